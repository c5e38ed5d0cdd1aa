import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { CliResult } from '../support/cli.js';
import { runInProcess } from '../support/in-process.js';

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
 * Runs the CLI in this process with a live stdin: `feed` is called once the command is running
 * and may write lines (codes) as they become known, like a person pasting from their inbox;
 * `output` gives what the CLI printed so far.
 */
export async function runFed(
  args: string[],
  cwd: string,
  feed: (write: (line: string) => void, end: () => void, output: () => string) => Promise<void>,
): Promise<CliResult> {
  const stdin = new PassThrough();
  let printed = '';
  const write = (line: string) => {
    if (stdin.writable) stdin.write(`${line}\n`);
  };
  const running = runInProcess(args, {
    cwd,
    env: cliEnv(),
    stdin,
    onOutput: (stdout, stderr) => (printed = stdout + stderr),
  });
  void feed(
    write,
    () => stdin.end(),
    () => printed,
  ).catch(() => stdin.end());
  const result = await running;
  stdin.end();
  if (result.json === undefined) {
    // runInProcess parses the last line only with --json; a fed run may print JSON either way.
    try {
      return { ...result, json: JSON.parse(result.stdout.trim().split('\n').pop() ?? '') as Record<string, unknown> };
    } catch {
      return result;
    }
  }
  return result;
}

export async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
