import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CognitoIdentityProviderClient,
  DescribeUserPoolClientCommand,
  UpdateUserPoolClientCommand,
  type UserPoolClientType,
} from '@aws-sdk/client-cognito-identity-provider';
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SESClient } from '@aws-sdk/client-ses';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startAwsProxy, type AwsProxy } from './aws-proxy.js';
import { runCli, type CliResult } from './cli.js';
import { runInProcess } from './in-process.js';
import { motoEnv, workerMoto, type Moto } from './moto.js';

export interface StackFixture {
  moto: Moto;
  proxy: AwsProxy;
  sdk: { cognito: CognitoIdentityProviderClient; iam: IAMClient; lambda: LambdaClient; ses: SESClient };
  /** A fresh project folder with a config file. */
  project(config?: Record<string, unknown>): Promise<string>;
  /**
   * Runs the CLI in `dir` against moto through the recording proxy, in this process through
   * `main(argv, deps)`: the same commands, steps and SDK calls as the binary, without a build.
   */
  cli(dir: string, args: string[], env?: Record<string, string | undefined>): Promise<CliResult>;
  /** Runs the built binary instead, for tests whose subject is the process (exit codes of bin/, signals). */
  spawnCli(dir: string, args: string[], env?: Record<string, string | undefined>): Promise<CliResult>;
  close(): Promise<void>;
}

export const BASE_CONFIG = { region: 'us-east-1', email: { from: 'noreply@example.com' } };

// The SDK's credential chain and shared-file parser read these from process.env and ~/.aws, not
// from the run's env: a run that sets them (or removes the keys) must be a process of its own.
const READ_BY_THE_SDK_FROM_PROCESS_ENV = [
  'HOME',
  'AWS_PROFILE',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_SESSION_TOKEN',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
];

function assertRunnableInProcess(args: string[], env: Record<string, string | undefined>): void {
  const reasons = Object.entries(env)
    .filter(
      ([k, v]) => (v !== undefined && READ_BY_THE_SDK_FROM_PROCESS_ENV.includes(k)) || (v === undefined && k.startsWith('AWS_ACCESS_KEY')),
    )
    .map(([k]) => k);
  if (args.includes('--profile')) reasons.push('--profile');
  if (reasons.length > 0)
    throw new Error(`cli() runs in this process, where the SDK would not see ${reasons.join(', ')} of this run: use spawnCli().`);
}

/**
 * An empty account on this worker's moto server (workerMoto) behind a recording proxy of the
 * caller's own: the proxy's recorded calls, faults, hooks and realism state start fresh for each
 * file, and a call a file left in flight ends at its closed proxy instead of reaching moto after
 * the next file's reset. One at a time: taking the worker's moto empties it for the taker.
 */
export async function startStackFixture(): Promise<StackFixture> {
  const moto = await workerMoto();
  const proxy = await startAwsProxy(moto.url);
  const clientConfig = { region: 'us-east-1', endpoint: moto.url, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  const sdk = {
    cognito: new CognitoIdentityProviderClient(clientConfig),
    iam: new IAMClient(clientConfig),
    lambda: new LambdaClient(clientConfig),
    ses: new SESClient(clientConfig),
  };
  return {
    moto,
    proxy,
    sdk,
    async project(config = BASE_CONFIG) {
      const dir = await mkdtemp(join(tmpdir(), 'otp-setup-it-'));
      await writeFile(join(dir, 'otp-setup.config.json'), JSON.stringify(config, null, 2));
      return dir;
    },
    cli(dir, args, env = {}) {
      assertRunnableInProcess(args, env);
      return runInProcess(args, { cwd: dir, env: { ...motoEnv(proxy.url), ...env } });
    },
    spawnCli(dir, args, env = {}) {
      return runCli(args, { cwd: dir, env: { ...motoEnv(proxy.url), ...env } });
    },
    async close() {
      for (const client of Object.values(sdk)) client.destroy();
      await proxy.close();
    },
  };
}

/**
 * The worker's moto server and a recording proxy for a test file, reset before each test (AWS
 * state, recorded calls, injected faults and hooks). Returns the fixture, usable inside tests and hooks.
 */
export function useStackFixture(): StackFixture {
  let fixture: StackFixture | undefined;
  beforeAll(async () => {
    fixture = await startStackFixture();
  });
  afterAll(async () => {
    await fixture?.close();
  });
  beforeEach(async () => {
    await fixture!.moto.reset();
    fixture!.proxy.reset();
    delete fixture!.proxy.onCall;
    delete fixture!.proxy.onResponse;
  });
  return new Proxy({} as StackFixture, {
    get(_target, key) {
      if (!fixture) throw new Error('the stack fixture is used outside a test');
      return Reflect.get(fixture, key) as unknown;
    },
  });
}

/**
 * Changes the app client as a person would in the console: every field it has, with `change`
 * applied (UpdateUserPoolClient resets the fields a call omits, and refuses the read-only ones).
 */
export async function changeClientByHand(
  f: StackFixture,
  poolId: string,
  clientId: string,
  change: (client: UserPoolClientType) => Partial<UserPoolClientType>,
): Promise<void> {
  const { UserPoolClient: client } = await f.sdk.cognito.send(
    new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: clientId }),
  );
  await f.sdk.cognito.send(
    new UpdateUserPoolClientCommand({
      ...client!,
      ClientSecret: undefined,
      LastModifiedDate: undefined,
      CreationDate: undefined,
      ...change(client!),
    } as never),
  );
}
