import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, type CliResult } from '../support/cli.js';

export async function projectDir(extra: Record<string, unknown> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'otp-e2e-'));
  await writeFile(
    join(dir, 'otp-setup.config.json'),
    JSON.stringify({ region: 'us-east-1', email: { from: 'noreply@example.com' }, ...extra }),
  );
  return dir;
}

export const cliEnv = (): Record<string, string> => {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  delete env.AWS_PROFILE;
  delete env.AWS_ENDPOINT_URL;
  return {
    ...env,
    NO_COLOR: '1',
    AWS_ACCESS_KEY_ID: 'sandbox',
    AWS_SECRET_ACCESS_KEY: 'sandbox',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
};

/**
 * Runs the built CLI with a live stdin: `feed` is called once the process is running and may
 * write lines (codes) as they become known, like a person pasting from their inbox; `output`
 * gives what the CLI printed so far.
 */
export function runFed(
  args: string[],
  cwd: string,
  feed: (write: (line: string) => void, end: () => void, output: () => string) => Promise<void>,
): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: cliEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const closed = new Promise<CliResult>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      let json: Record<string, unknown> | undefined;
      try {
        json = JSON.parse(stdout.trim().split('\n').pop() ?? '') as Record<string, unknown>;
      } catch {
        json = undefined;
      }
      resolve({ code, signal, stdout, stderr, ...(json ? { json } : {}) });
    });
  });
  const write = (line: string) => {
    if (child.stdin.writable) child.stdin.write(`${line}\n`);
  };
  void feed(
    write,
    () => child.stdin.end(),
    () => stdout + stderr,
  ).catch(() => child.stdin.end());
  return closed;
}

export async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
