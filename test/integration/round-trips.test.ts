import { PassThrough } from 'node:stream';
import { GetFunctionCommand, ListFunctionsCommand, TagResourceCommand } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { createAwsClients } from '../../src/aws/clients.js';
import { createIoHost } from '../../src/cli/io-host.js';
import type { CommandEnv } from '../../src/commands/deps.js';
import { teardownCommand } from '../../src/commands/teardown.js';
import { motoEnv } from '../support/moto.js';
import { BASE_CONFIG, useStackFixture } from '../support/stack-fixture.js';

// What users on AWS wait for is round trips: calls made twice, and calls that wait for others they
// need not wait for. Counted at the recording proxy, never timed.

const f = useStackFixture();

// Every resource type: the optional alarms (with their topic), DKIM domain and WAF web ACL too.
const CONFIG = {
  ...BASE_CONFIG,
  email: { ...BASE_CONFIG.email, dkim: true },
  monitoring: { alarms: { enabled: true, email: 'ops@example.com' } },
  protection: { waf: { enabled: true } },
};

/** Reads of one resource per function; SES reads one address and one domain identity. */
const RESOURCES_PER_READ: Record<string, number> = {
  'lambda:GetFunction': 5,
  'lambda:ListTags': 5,
  'lambda:GetPolicy': 5,
  'ses:GetIdentityVerificationAttributes': 2,
};

function readsOf(from: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const c of f.proxy.calls.slice(from).filter((c) => !c.write))
    counts[`${c.service}:${c.action}`] = (counts[`${c.service}:${c.action}`] ?? 0) + 1;
  return counts;
}

describe('round trips', () => {
  it('teardown --yes reads each resource once: the list it prints is what the deletes act on', async () => {
    const dir = await f.project(CONFIG);
    expect((await f.cli(dir, ['up'])).code).toBe(0);
    const from = f.proxy.calls.length;
    const result = await f.cli(dir, ['teardown', '--yes']);
    expect(result.code, result.stderr).toBe(0);
    const reads = readsOf(from);
    const twice = Object.entries(reads).filter(([action, n]) => n > (RESOURCES_PER_READ[action] ?? 1));
    expect(twice, 'read more often than there are resources to read').toEqual([]);
    // Every read happened before the first delete.
    const calls = f.proxy.calls.slice(from);
    const firstWrite = calls.findIndex((c) => c.write);
    const lateReads = calls
      .slice(firstWrite)
      .filter((c) => !c.write)
      .map((c) => c.action);
    // Only what a delete itself needs: the role's inline policy names (it cannot be deleted with them).
    expect(lateReads).toEqual(['ListRolePolicies']);
  });

  it("after a yes typed at the prompt, teardown reads again: a function that became another stack's meanwhile is kept", async () => {
    const dir = await f.project(CONFIG);
    expect((await f.cli(dir, ['up'])).code).toBe(0);
    const takenOver = 'email-otp-pre-sign-up';
    let stderr = '';
    const err = new PassThrough().on('data', (d: Buffer) => (stderr += d.toString()));
    const out = new PassThrough().resume();
    const streams = { stdout: out, stderr: err, stdin: new PassThrough() };
    const env = { ...process.env, ...motoEnv(f.proxy.url), NO_COLOR: '1' };
    const io = await createIoHost(streams, { json: false, debug: false, env });
    let asked = 0;
    const command: CommandEnv = {
      deps: {
        ...streams,
        env,
        cwd: dir,
        now: () => new Date(),
        createAwsClients: (settings) =>
          createAwsClients({ ...settings, endpoint: f.proxy.url, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } }),
        onInterrupt: () => () => undefined,
      },
      // A terminal whose user takes a while: meanwhile another stack takes over one function.
      io: {
        ...io,
        interactive: true,
        async confirm() {
          asked += 1;
          const arn = (await f.sdk.lambda.send(new GetFunctionCommand({ FunctionName: takenOver }))).Configuration!.FunctionArn!;
          await f.sdk.lambda.send(new TagResourceCommand({ Resource: arn, Tags: { 'otp-setup:stack-id': 'someone-else' } }));
          return true;
        },
      },
      global: {},
    };
    const from = f.proxy.calls.length;
    expect(await teardownCommand(command, {}), stderr).toBe(0);
    expect(asked).toBe(1);
    expect(stderr).toContain(
      'Pre-sign-up function: kept: a Lambda function named "email-otp-pre-sign-up" belongs to another otp-setup stack',
    );
    expect((await f.sdk.lambda.send(new ListFunctionsCommand({}))).Functions!.map((fn) => fn.FunctionName)).toEqual([takenOver]);
    // Read before asking, and again after the answer.
    expect(readsOf(from)['lambda:GetFunction']).toBe(10);
  });

  it('a fresh up creates the user pool while the new functions are still Pending; AddPermission waits until they are Active', async () => {
    const dir = await f.project(CONFIG);
    // The functions' polls are answered only once the pool's CreateUserPool has arrived (or after
    // 5 s, when the pool waits for them: then the test fails instead of hanging).
    let poolSeen!: () => void;
    const pool = new Promise<void>((resolve) => (poolSeen = resolve));
    const created = () => f.proxy.calls.some((c) => c.action === 'CreateFunction' && c.status !== undefined && c.status < 300);
    f.proxy.onCall = (call) => {
      if (call.action === 'CreateUserPool') poolSeen();
    };
    f.proxy.onResponse = async (call) => {
      if (call.action === 'GetFunction' && created())
        await Promise.race([pool, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
    };
    const result = await f.cli(dir, ['up']);
    expect(result.code, result.stderr).toBe(0);
    const actions = f.proxy.calls.map((c) => c.action);
    const createPool = actions.indexOf('CreateUserPool');
    // The functions were polled for Active after the pool was created, not all before it.
    expect(actions.slice(createPool).filter((a) => a === 'GetFunction').length).toBeGreaterThan(0);
    expect(actions.lastIndexOf('CreateFunction')).toBeLessThan(createPool);
    // And no AddPermission reached a function still Pending (the realism layer refuses it, as AWS does).
    expect(f.proxy.calls.filter((c) => c.realism === 'lambda-function-states')).toEqual([]);
    expect(actions.filter((a) => a === 'AddPermission')).toHaveLength(5);
  });

  it("a fresh up creates the functions while the role's policy and the log groups' retention are still being put", async () => {
    const dir = await f.project(CONFIG);
    // PutRolePolicy and PutRetentionPolicy are answered only once a CreateFunction has arrived (or
    // after 5 s, when the functions wait for them: then the test fails instead of hanging).
    let functionSeen!: () => void;
    const fn = new Promise<'function'>((resolve) => (functionSeen = () => resolve('function')));
    const released: string[] = [];
    f.proxy.onCall = (call) => {
      if (call.action === 'CreateFunction') functionSeen();
    };
    f.proxy.onResponse = async (call) => {
      if (call.action !== 'PutRolePolicy' && call.action !== 'PutRetentionPolicy') return;
      const by = await Promise.race([fn, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5000).unref())]);
      released.push(`${call.action} by ${by}`);
    };
    const result = await f.cli(dir, ['up']);
    expect(result.code, result.stderr).toBe(0);
    expect(released.sort()).toEqual([
      'PutRetentionPolicy by function',
      'PutRetentionPolicy by function',
      'PutRetentionPolicy by function',
      'PutRetentionPolicy by function',
      'PutRetentionPolicy by function',
      'PutRolePolicy by function',
    ]);
    // The groups themselves exist before any function, so Lambda makes none of its own.
    const actions = f.proxy.calls.map((c) => c.action);
    expect(actions.lastIndexOf('CreateLogGroup')).toBeLessThan(actions.indexOf('CreateFunction'));
    expect(actions.indexOf('CreateRole')).toBeLessThan(actions.indexOf('CreateFunction'));
  });
});
