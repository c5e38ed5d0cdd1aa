import { spawn } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AwsClients } from '../../src/aws/clients.js';
import { RUN_HEADER, type AwsProxy, type RecordedCall } from './aws-proxy.js';
import type { CliOptions, CliResult } from './cli.js';
import { runInProcess } from './in-process.js';

type ServiceKey = Exclude<keyof AwsClients, 'settings' | 'stats' | 'destroy'>;
/** Every service client a run may use: the compiler fails here when AwsClients gains one, so none escapes the freeze. */
const SERVICES = {
  cognito: true,
  dynamodb: true,
  iam: true,
  lambda: true,
  ses: true,
  sts: true,
  logs: true,
  cloudwatch: true,
  sns: true,
  sesv2: true,
  wafv2: true,
} satisfies Record<ServiceKey, true>;

/**
 * One in-process CLI run that a test can "kill" the way SIGKILL kills the real process: from the
 * moment `crash()` is called, nothing more of that run happens.
 *
 * - Every call in flight is aborted (the SDK does not retry an abort), and its answer, or error,
 *   is never delivered: the step waiting for it waits forever, so no state save, no further call,
 *   no lock release follows it.
 * - Every later `send` (a parallel step's next call) returns a promise that never settles and
 *   sends nothing.
 * - The run's connections are closed.
 *
 * Not frozen: file work already under way, or needing no AWS call (a state save caught between
 * its temp file and the rename, the frontend step's .env once every AWS step it waits for is
 * done), completes, as if the kill came a moment later. Nothing that waits for AWS goes on.
 *
 * What the run leaves is what a killed process leaves: AWS as of its last call, the state file as
 * of its last save, and its lock file (see `markLockHoldersDead`). Its requests carry RUN_HEADER
 * ("<run id>#<attempt>"), so a test can prove from the proxy's recording that none was sent after
 * the crash (`sentAfterCrash`).
 */
export interface CrashableRun {
  readonly id: string;
  /** Settles when main() returns; never once the run crashed mid-call. */
  readonly done: Promise<CliResult>;
  readonly crashed: boolean;
  /** Whether main() returned. */
  readonly settled: boolean;
  /** Calls and attempts (retries) made after the crash: swallowed, never sent. */
  readonly blockedCalls: number;
  /**
   * The calls in `calls` this run sent after it crashed (none, unless the freeze leaks). A call
   * sent just before the crash may reach AWS after it, as bytes on the wire outlive a killed
   * process; each attempt is numbered, so those are told apart.
   */
  sentAfterCrash(calls: readonly RecordedCall[]): RecordedCall[];
  crash(): void;
}

// A fresh promise each time: nothing references it, so a frozen run is garbage-collected whole
// (one shared pending promise would hold every frozen run's continuations forever).
const never = (): Promise<never> => new Promise<never>(() => undefined);
let runs = 0;

type Sendable = { send: (...args: unknown[]) => Promise<unknown>; middlewareStack: { add: (mw: unknown, options: unknown) => void } };

export function startCrashableRun(args: string[], options: CliOptions): CrashableRun {
  const id = `run-${process.pid}-${++runs}`;
  const abort = new AbortController();
  const patched = new WeakSet();
  const wrapped: AwsClients[] = [];
  let crashed = false;
  let settled = false;
  let blockedCalls = 0;
  let attempts = 0;
  let attemptsAtCrash = 0;
  // One signal for every call of the run: more than Node's default 10 listeners is expected.
  setMaxListeners(0, abort.signal);

  const patch = <C>(client: C): C => {
    const c = client as unknown as Sendable;
    if (patched.has(c)) return client;
    patched.add(c);
    // After the SDK's retry middleware: runs for every attempt, a retry included. Once crashed,
    // an attempt never reaches the network.
    c.middlewareStack.add(
      (next: (a: unknown) => Promise<unknown>) => (a: { request?: { headers?: Record<string, string> } }) => {
        if (crashed) {
          blockedCalls += 1;
          return never();
        }
        attempts += 1;
        if (a.request?.headers) a.request.headers[RUN_HEADER] = `${id}#${attempts}`;
        return next(a);
      },
      { step: 'deserialize', name: 'otpTestRunId', priority: 'low' },
    );
    const send = c.send.bind(c);
    c.send = (command: unknown, maybeOptions?: unknown) => {
      if (crashed) {
        blockedCalls += 1;
        return never();
      }
      const opts = typeof maybeOptions === 'object' && maybeOptions !== null ? maybeOptions : {};
      return send(command, { ...opts, abortSignal: abort.signal }).then(
        (out) => (crashed ? never() : out),
        (err: unknown) => (crashed ? never() : Promise.reject(err)),
      );
    };
    return client;
  };

  const wrap = (clients: AwsClients): AwsClients => {
    wrapped.push(clients);
    const lazy = (key: ServiceKey) => async () => patch(await (clients[key] as () => Promise<unknown>)());
    const services = Object.fromEntries((Object.keys(SERVICES) as ServiceKey[]).map((key) => [key, lazy(key)]));
    return { settings: clients.settings, stats: clients.stats, ...services, destroy: () => clients.destroy() } as AwsClients;
  };

  const done = runInProcess(args, { ...options, wrapAwsClients: wrap }).then((r) => {
    settled = true;
    return r;
  });
  return {
    id,
    done,
    get crashed() {
      return crashed;
    },
    get settled() {
      return settled;
    },
    get blockedCalls() {
      return blockedCalls;
    },
    sentAfterCrash(calls) {
      return calls.filter((c) => {
        const [run, attempt] = (c.run ?? '').split('#');
        return run === id && (!crashed || Number(attempt) > attemptsAtCrash);
      });
    },
    crash() {
      if (crashed) return;
      crashed = true;
      attemptsAtCrash = attempts;
      abort.abort();
      for (const clients of wrapped) clients.destroy();
    },
  };
}

/**
 * Runs `args` in process and crashes it as soon as AWS has carried out its `n`th write, before
 * the run sees the answer (the worst moment: the resource exists, the run never learned its id).
 * Writes the realism layer answers itself never reach AWS and are not counted.
 * Returns the run; `crashed` is false when it finished with fewer than `n` writes.
 */
export async function crashAfterWrite(proxy: AwsProxy, args: string[], n: number, options: CliOptions): Promise<CrashableRun> {
  let writes = 0;
  let run: CrashableRun | undefined;
  let crashedAt: (() => void) | undefined;
  const crashed = new Promise<void>((resolve) => (crashedAt = resolve));
  proxy.onResponse = (call) => {
    if (!call.write || run === undefined || !call.run?.startsWith(`${run.id}#`) || run.crashed) return;
    writes += 1;
    if (writes === n) {
      run.crash();
      crashedAt!();
    }
  };
  run = startCrashableRun(args, options);
  await Promise.race([run.done, crashed]);
  delete proxy.onResponse;
  return run;
}

/** A pid no process can have: above the kernel's pid_max (Linux), else one that has exited. */
async function deadPid(): Promise<number> {
  const max = await readFile('/proc/sys/kernel/pid_max', 'utf8').then(
    (t) => Number.parseInt(t, 10),
    () => NaN,
  );
  if (Number.isInteger(max)) return max + 1;
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => child.on('exit', r));
  return child.pid!;
}

/**
 * A crashed in-process run's lock file names this (live) test process. A killed CLI's lock file
 * names a pid that no longer exists; this gives the lock files in `dir` exactly that, so the next
 * run sees what it would see after a real kill (a stale lock on this host) and the product's lock
 * is exercised unchanged. Returns how many lock files there were.
 */
export async function markLockHoldersDead(dir: string): Promise<number> {
  const folder = join(dir, '.otp-setup', 'locks');
  const files = (await readdir(folder).catch(() => [] as string[])).filter((n) => n.endsWith('.lock'));
  const pid = await deadPid();
  for (const name of files) {
    const path = join(folder, name);
    const holder = JSON.parse(await readFile(path, 'utf8')) as { pid: number };
    if (holder.pid !== process.pid) throw new Error(`${path} is not held by this test process: ${JSON.stringify(holder)}`);
    await writeFile(path, `${JSON.stringify({ ...holder, pid })}\n`);
  }
  return files.length;
}
