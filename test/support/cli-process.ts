import { spawn, type ChildProcess } from 'node:child_process';
import { BIN, type CliResult } from './cli.js';

export interface RunningCli {
  child: ChildProcess;
  /** Resolves when the process has exited (normally, by a signal or by the timeout). */
  done: Promise<CliResult>;
  /** Collected so far. */
  stderr(): string;
  kill(signal: NodeJS.Signals): void;
}

/**
 * Like runCli, but hands back the child process so a test can signal it mid-run (SIGINT like a
 * Ctrl-C, SIGKILL like a lost laptop). Same environment rules: no inherited profile, no colour.
 */
export function startCli(args: string[], options: { cwd: string; env?: Record<string, string | undefined>; timeoutMs?: number }): RunningCli {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...options.env })) if (v !== undefined) env[k] = v;
  delete env.AWS_PROFILE;
  env.NO_COLOR = '1';
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin!.end('');
  const done = new Promise<CliResult>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      let json: Record<string, unknown> | undefined;
      if (args.includes('--json')) {
        try {
          json = JSON.parse(stdout.trim().split('\n').pop() ?? '') as Record<string, unknown>;
        } catch {
          json = undefined;
        }
      }
      resolve({ code, signal, stdout, stderr, ...(json ? { json } : {}) });
    });
  });
  return {
    child,
    done,
    stderr: () => stderr,
    kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** A small seeded PRNG (mulberry32), so "random" kill times are the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
