// Runs a command asynchronously (the call counter lives in this process, so never block it)
// and times it from spawn to exit.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(ROOT, 'bin', 'otp-setup.js');
const PROBE = new URL('./probe.mjs', import.meta.url).href;

export function run(command, args, { cwd, env } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - started }));
  });
}

export function mustSucceed(result, what) {
  if (result.code !== 0)
    throw new Error(`${what} exited with ${result.code}\n${result.stdout.slice(-2000)}\n${result.stderr.slice(-2000)}`);
  return result;
}

/** Runs the built CLI with the probe preloaded; adds maxRssKb and childProcesses to the result. */
export async function runCliProbed(args, { cwd, env }) {
  const dir = await mkdtemp(join(tmpdir(), 'otp-bench-probe-'));
  const out = join(dir, 'probe.json');
  try {
    const result = await run(process.execPath, ['--import', PROBE, BIN, ...args], {
      cwd,
      env: { ...env, BENCH_PROBE_OUT: out, NO_COLOR: '1' },
    });
    const probe = JSON.parse(await readFile(out, 'utf8').catch(() => '{}'));
    return { ...result, ...probe };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
