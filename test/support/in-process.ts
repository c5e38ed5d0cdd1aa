import { PassThrough, Readable } from 'node:stream';
import { createAwsClients, type AwsClients, type AwsSettings } from '../../src/aws/clients.js';
import { main } from '../../src/cli/main.js';
import type { InterruptReason } from '../../src/commands/deps.js';
import type { CliOptions, CliResult } from './cli.js';

export interface InProcessOptions extends CliOptions {
  /** Wraps the AWS clients the command would use (fault injection no emulator produces). */
  wrapAwsClients?: (clients: AwsClients) => AwsClients;
  /** Lets a test deliver "Ctrl-C" or "reader went away" while the command runs. */
  interrupt?: (send: (reason: InterruptReason) => void) => void;
  /** A live stdin (lines written as they become known); `input` is all of stdin at once. */
  stdin?: Readable;
  /** Called after each write with everything printed so far. */
  onOutput?: (stdout: string, stderr: string) => void;
}

/**
 * Runs the CLI the way bin/otp-setup.js does, but in this process through `main(argv, deps)`: the
 * same commander definitions, commands, steps and SDK calls, without a Node start-up and module
 * load per test. Everything a run reads from the outside comes from `options` (cwd, env, stdin),
 * never from this process, so in-process runs can overlap.
 *
 * The SDK's own credential and endpoint lookups read `process.env`; the clients are therefore
 * given the run's `AWS_ENDPOINT_URL` and keys explicitly.
 */
export async function runInProcess(args: string[], options: InProcessOptions): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { NO_COLOR: '1' };
  for (const [k, v] of Object.entries({ ...process.env, AWS_PROFILE: undefined, ...options.env })) if (v !== undefined) env[k] = v;
  env.NO_COLOR = '1';

  let stdout = '';
  let stderr = '';
  const out = new PassThrough();
  const err = new PassThrough();
  out.on('data', (d: Buffer) => {
    stdout += d.toString();
    options.onOutput?.(stdout, stderr);
  });
  err.on('data', (d: Buffer) => {
    stderr += d.toString();
    options.onOutput?.(stdout, stderr);
  });
  const stdin = options.stdin ?? Readable.from(options.input === undefined ? [] : [options.input]);

  const listeners = new Set<(reason: InterruptReason) => void>();
  options.interrupt?.((reason) => {
    for (const l of listeners) l(reason);
  });

  const clients = (settings: AwsSettings): AwsClients => {
    const explicit: AwsSettings = {
      ...settings,
      ...(settings.endpoint === undefined && env.AWS_ENDPOINT_URL ? { endpoint: env.AWS_ENDPOINT_URL } : {}),
      ...(settings.credentials === undefined && !settings.profile && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
        ? { credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY } }
        : {}),
    };
    const created = createAwsClients(explicit);
    return options.wrapAwsClients ? options.wrapAwsClients(created) : created;
  };

  const code = await main(args, {
    stdout: out,
    stderr: err,
    stdin,
    env,
    cwd: options.cwd,
    now: () => new Date(),
    createAwsClients: clients,
    onInterrupt: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  });
  out.end();
  err.end();
  let json: Record<string, unknown> | undefined;
  if (args.includes('--json')) {
    try {
      json = JSON.parse(stdout.trim().split('\n').pop() ?? '') as Record<string, unknown>;
    } catch {
      json = undefined;
    }
  }
  return { code, signal: null, stdout, stderr, ...(json ? { json } : {}) };
}
