import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';

// moto_server with pure computations cached (see the file): the same server for about half the
// CPU per request. Used when the python3 on the PATH has moto (a quick look-up, not an import);
// otherwise the moto_server command.
const LAUNCHER = fileURLToPath(new URL('./moto-server.py', import.meta.url));
let command: string[] | undefined;
function serverCommand(): string[] {
  command ??=
    spawnSync('python3', ['-c', "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('moto') else 3)"]).status === 0
      ? ['python3', LAUNCHER]
      : ['moto_server'];
  return command;
}

export interface Moto {
  url: string;
  port: number;
  /** Empties every account and region (the IAM enforcement switch is not part of that state). */
  reset(): Promise<void>;
  /** Signature and permission checks for every later request, or off again (moto's reset leaves them as they are). */
  enforceIam(on: boolean): Promise<void>;
  /** Ends a private server; the worker's shared one (workerMoto) ends with the worker instead. */
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

// moto_server does not notice its parent going away, and vitest ends a worker with SIGTERM (then
// SIGKILL), which runs no exit handler. So a shell stands between them: it starts moto, ends it
// when the pipe on its stdin closes (stop(), or this process dying however it dies), and exits
// when moto does, so a crashed moto shows as the child's exit.
// (A background job's stdin is /dev/null in a non-interactive shell, hence the copy on fd 3.)
// The server's command line comes as the arguments ("$@").
const WATCHED = 'exec 3<&0; "$@" <&- 3<&- & moto=$!; (read -r _ <&3; kill $moto 2>/dev/null) & wait $moto';

/** Starts a private moto server (preinstalled as moto_server) on a free loopback port. */
export async function startMoto(options: MotoOptions = {}): Promise<Moto> {
  const port = await freePort();
  const child: ChildProcess = spawn('sh', ['-c', WATCHED, 'moto', ...serverCommand(), '-H', '127.0.0.1', '-p', String(port)], {
    env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: options.managedPolicies ? 'true' : 'false' },
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const end = () => child.stdin?.end();
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited (${child.exitCode}): ${stderr}`);
    try {
      const res = await fetch(`${url}/moto-api/`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      end();
      throw new Error(`moto_server did not start on ${url}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const post = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${url}/moto-api/${path}`, { method: 'POST', ...init });
    if (!res.ok) throw new Error(`moto ${path}: HTTP ${res.status} ${await res.text()}`);
  };
  return {
    url,
    port,
    reset: () => post('reset'),
    enforceIam: (on) => post('reset-auth', { headers: { 'Content-Type': 'application/octet-stream' }, body: on ? '0' : 'inf' }),
    async stop() {
      if (child.exitCode !== null) return;
      end();
      await exited;
    },
  };
}

let shared: Promise<Moto> | undefined;

/**
 * The moto server of this vitest worker, emptied for the caller: started on first use and shared
 * by the test files the worker runs one after another (see vitest.config.ts), so each has it to
 * itself. A fresh server costs a second or two of CPU to start and to load each AWS backend on
 * first use; a reset costs a fraction of that. Its stop() does nothing: it ends with the worker.
 */
export async function workerMoto(): Promise<Moto> {
  shared ??= startMoto().then((moto) => ({ ...moto, stop: async () => undefined }));
  try {
    const moto = await shared;
    await moto.reset();
    // The one switch a reset keeps: a file that turned enforcement on must not leave it to the next.
    await moto.enforceIam(false);
    return moto;
  } catch (err) {
    // Gone (the file that saw it die has failed already): the next caller gets a new one.
    shared = undefined;
    throw err;
  }
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
