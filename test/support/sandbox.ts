import { spawn } from 'node:child_process';
import { BIN } from './cli.js';
import { freePort } from './free-port.js';

export interface SandboxMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  code?: string;
  at: string;
}

export interface RunningSandbox {
  url: string;
  port: number;
  userPoolId: string;
  clientId: string;
  region: string;
  /** The newest captured email to this address, or undefined when none arrived yet. */
  latestMail(email: string): Promise<SandboxMail | undefined>;
  /** Every captured email to this address, oldest first. */
  mails(email: string): Promise<SandboxMail[]>;
  /** What the sandbox printed so far (stdout, stderr). */
  output(): { stdout: string; stderr: string };
  stop(): Promise<void>;
  /** Ends the process with SIGKILL: no shutdown code runs (a crash, a closed laptop lid). */
  kill(): Promise<void>;
}

export interface StartSandboxOptions {
  /** Folder holding otp-setup.config.json. */
  cwd: string;
  port?: number;
  env?: Record<string, string | undefined>;
  /** Extra CLI arguments, e.g. ['--no-env']. */
  args?: string[];
}

/** Starts `otp-setup sandbox --port N --json` (the built CLI) and waits until it is ready. */
export async function startSandbox(options: StartSandboxOptions): Promise<RunningSandbox> {
  const port = options.port ?? (await freePort());
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...options.env })) if (v !== undefined) env[k] = v;
  delete env.AWS_PROFILE;
  env.NO_COLOR = '1';
  const child = spawn(process.execPath, [BIN, 'sandbox', '--port', String(port), '--json', ...(options.args ?? [])], {
    cwd: options.cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sandbox did not start in 30 s\n${stdout}\n${stderr}`));
    }, 30_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      for (const line of stdout.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const parsed = JSON.parse(line) as Record<string, unknown>;
          if (parsed.event === 'ready') {
            clearTimeout(timer);
            resolve(parsed);
          }
        } catch {
          // a partial line; wait for the rest
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sandbox exited with ${code} before it was ready\n${stdout}\n${stderr}`));
    });
  });
  const url = String(ready.url);
  const mails = async (email: string): Promise<SandboxMail[]> => {
    const res = await fetch(`${url}/_sandbox/mailbox?email=${encodeURIComponent(email)}`);
    return ((await res.json()) as { mails: SandboxMail[] }).mails;
  };
  return {
    url,
    port: Number(ready.port),
    userPoolId: String(ready.userPoolId),
    clientId: String(ready.clientId),
    region: String(ready.region),
    mails,
    async latestMail(email) {
      const res = await fetch(`${url}/_sandbox/mailbox/latest?email=${encodeURIComponent(email)}`);
      if (res.status === 404) return undefined;
      return (await res.json()) as SandboxMail;
    },
    output: () => ({ stdout, stderr }),
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGINT');
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      });
    },
  };
}
