import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';

// moto_server with two pure computations cached (see the file): same server, about half the CPU
// per request. Exit 3 = this python3 cannot import moto; then the moto_server command is used.
const LAUNCHER = fileURLToPath(new URL('./moto-server.py', import.meta.url));
const NO_MOTO_IN_PYTHON3 = 3;

export interface Moto {
  url: string;
  port: number;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export interface MotoOptions {
  /**
   * Load AWS's managed IAM policies (arn:aws:iam::aws:policy/…), for a test that attaches one.
   * Off by default: with them every reset and an account's first IAM or Lambda call take seconds
   * (moto rebuilds about a thousand policies), and otp-setup never attaches one.
   */
  managedPolicies?: boolean;
}

/** Starts a private moto server (preinstalled as moto_server) on a free loopback port. */
export async function startMoto(options: MotoOptions = {}): Promise<Moto> {
  const port = await freePort();
  let stderr = '';
  const start = (command: string, args: string[]): ChildProcess => {
    const server = spawn(command, [...args, '-H', '127.0.0.1', '-p', String(port)], {
      env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: options.managedPolicies ? 'true' : 'false' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    server.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    return server;
  };
  let child = start('python3', [LAUNCHER]);
  let fellBack = false;
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode === NO_MOTO_IN_PYTHON3 && !fellBack) {
      fellBack = true;
      child = start('moto_server', []);
    }
    if (child.exitCode !== null) throw new Error(`moto_server exited (${child.exitCode}): ${stderr}`);
    try {
      const res = await fetch(`${url}/moto-api/`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not start on ${url}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    async reset() {
      await fetch(`${url}/moto-api/reset`, { method: 'POST' });
    },
    async stop() {
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      });
    },
  };
}

/** Environment for the SDK (and the CLI) to talk to moto with dummy credentials. */
export function motoEnv(url: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: url,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}
