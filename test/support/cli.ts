import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/otp-setup.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The last stdout line parsed as JSON, when the command ran with --json. */
  json?: Record<string, unknown>;
}

export interface CliOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  input?: string;
  timeoutMs?: number;
}

export interface RunningCli {
  child: ChildProcess;
  /** Resolves when the process has exited (normally, by a signal or by the timeout). */
  done: Promise<CliResult>;
  /** Collected so far. */
  stderr(): string;
  kill(signal: NodeJS.Signals): void;
}

/**
 * Starts the built CLI as a user would: a child process, no TTY, its own environment. The handle
 * lets a test signal it mid-run (SIGINT like a Ctrl-C, SIGKILL like a lost laptop).
 */
export function startCli(args: string[], options: CliOptions): RunningCli {
  const env: Record<string, string> = {};
  // Tests never inherit a developer's AWS profile or real endpoint (a test may set one explicitly).
  for (const [k, v] of Object.entries({ ...process.env, AWS_PROFILE: undefined, ...options.env })) if (v !== undefined) env[k] = v;
  env.NO_COLOR = '1';
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
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
  child.stdin.end(options.input ?? '');
  return {
    child,
    done,
    stderr: () => stderr,
    kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** Runs the built CLI to the end. */
export function runCli(args: string[], options: CliOptions): Promise<CliResult> {
  return startCli(args, options).done;
}
