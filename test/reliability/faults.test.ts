import { access, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runInProcess } from '../support/in-process.js';
import { expectExactlyOneOfEach, inventory, readState } from '../support/inventory.js';
import { motoEnv } from '../support/moto.js';
import { STACK_FRAME } from '../support/stack-trace.js';
import { useStackFixture } from '../support/stack-fixture.js';

// Faults no emulator produces, injected by the recording proxy between the CLI and moto. The CLI
// runs in process (main(argv, deps), the same commands and SDK calls): the faults are on the
// wire, not in the process.

const f = useStackFixture();

const cli = (dir: string, args: string[], env: Record<string, string> = {}) =>
  runInProcess(args, { cwd: dir, env: { ...motoEnv(f.proxy.url), ...env } });

const ROLE_LAG = {
  kind: 'error',
  status: 400,
  type: 'InvalidParameterValueException',
  message: 'The role defined for the function cannot be assumed by Lambda.',
} as const;

async function lockFiles(dir: string): Promise<string[]> {
  return readdir(join(dir, '.otp-setup', 'locks')).catch(() => []);
}

describe('transient AWS faults', () => {
  it('up converges through throttling, 500s, resets, delays and IAM propagation lag, and reports the retries', async () => {
    const dir = await f.project();
    f.proxy.addFault({ match: 'CreateRole', fault: { kind: 'throttle' }, times: 2 });
    f.proxy.addFault({ match: 'lambda:CreateFunction', fault: ROLE_LAG, times: 3 });
    f.proxy.addFault({ match: 'cognito-idp:CreateUserPool', fault: { kind: 'status', status: 500 }, times: 1 });
    f.proxy.addFault({ match: 'cognito-idp:CreateUserPool', fault: { kind: 'throttle' }, times: 1 });
    f.proxy.addFault({ match: 'AddPermission', fault: { kind: 'status', status: 503 }, times: 2 });
    f.proxy.addFault({ match: 'VerifyEmailIdentity', fault: { kind: 'reset' }, times: 1 });
    f.proxy.addFault({ match: 'CreateUserPoolClient', fault: { kind: 'reset' }, times: 1 });
    f.proxy.addFault({ match: 'GetFunction', fault: { kind: 'delay', ms: 200 }, times: 2 });
    const result = await cli(dir, ['up', '--json']);
    expect(result.code, result.stderr).toBe(0);
    // Every rule fired: a fault that was never injected would make this test vacuous.
    expect(f.proxy.faultsInjected).toBe(2 + 3 + 1 + 1 + 2 + 1 + 1 + 2);
    const json = result.json!;
    expect(json.ok).toBe(true);
    expect((json.counts as Record<string, number>).created).toBeGreaterThanOrEqual(10);
    // Each of the 11 injected errors (delays are not errors) costs one retry; a reused idle socket may add one.
    expect(json.retries as number).toBeGreaterThanOrEqual(11);
    expect(json.retries as number).toBeLessThan(11 + 4);
    expect(expectExactlyOneOfEach(await inventory(f))).toEqual([]);
    expect(await lockFiles(dir)).toEqual([]);
    // Converged means converged: a second run writes nothing.
    f.proxy.reset();
    const again = await cli(dir, ['up', '--json']);
    expect(Object.keys(again.json!.counts as object).sort()).toEqual(['skipped', 'unchanged']);
    expect(f.proxy.writes()).toEqual([]);
  });

  it('the human summary says how many retries it took', async () => {
    const dir = await f.project();
    f.proxy.addFault({ match: '*', fault: { kind: 'throttle' }, times: 2 });
    f.proxy.addFault({ match: 'lambda:CreateFunction', fault: ROLE_LAG, times: 1 });
    const result = await cli(dir, ['up']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/\b([3-9]|\d\d+) retries over \d+ AWS calls/);
    // And a clean run does not mention retries at all (without IAM's propagation lag, which the
    // realism layer otherwise reproduces on every new role).
    await f.moto.reset();
    f.proxy.reset();
    f.proxy.realism!.disabled.add('iam-propagation');
    const clean = await f.project();
    const quiet = await cli(clean, ['up']);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stdout).not.toMatch(/retr/i);
  });

  it('a fault outlasting the retry budget stops with THROTTLED and a state file the re-run resumes from', async () => {
    const dir = await f.project();
    // AWS_MAX_ATTEMPTS (the SDK's convention) keeps the budget short; the default is 8 attempts.
    f.proxy.addFault({ match: 'cognito-idp:CreateUserPool', fault: { kind: 'throttle' }, times: 3 });
    const failed = await cli(dir, ['up'], { AWS_MAX_ATTEMPTS: '3' });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('AWS kept throttling cognito-idp:CreateUserPool on email-otp-pool after every retry. [THROTTLED]');
    expect(failed.stderr).toContain('run the same command again: it resumes where it stopped');
    expect(failed.stderr).not.toMatch(STACK_FRAME);
    expect(f.proxy.calls.filter((c) => c.action === 'CreateUserPool')).toHaveLength(3);
    // What was done before the failure is recorded, and the lock is gone.
    const state = (await readState(dir))!;
    expect(state.resources.roleArn).toContain('EmailOTPLambdaExecutionRole');
    expect(Object.keys(state.resources.functions ?? {}).sort()).toHaveLength(5);
    expect(state.resources.userPoolId).toBeUndefined();
    expect(await lockFiles(dir)).toEqual([]);

    f.proxy.reset();
    const resumed = await cli(dir, ['up', '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    // Pool, permissions, client and .env were left; everything before them is resumed as unchanged
    // (the features that are off, alarms and DKIM, are skipped).
    expect(Object.keys(resumed.json!.counts as object).sort()).toEqual(['created', 'skipped', 'unchanged']);
    expect((resumed.json!.counts as Record<string, number>).created).toBe(4);
    // Resumed, not redone: only the missing resources were written.
    expect(
      f.proxy
        .writes()
        .map((c) => c.action)
        .filter((a) => /^Create/.test(a))
        .sort(),
    ).toEqual(['CreateUserPool', 'CreateUserPoolClient']);
    expect(expectExactlyOneOfEach(await inventory(f))).toEqual([]);
  });

  it('5xx that outlasts the budget is AWS_UNAVAILABLE, with the resume hint, and releases the lock', async () => {
    const dir = await f.project();
    f.proxy.addFault({ match: 'lambda:CreateFunction', fault: { kind: 'status', status: 503 }, times: 1000 });
    const failed = await cli(dir, ['up', '--json'], { AWS_MAX_ATTEMPTS: '2' });
    expect(failed.code).toBe(1);
    expect(failed.json).toMatchObject({ ok: false, error: { code: 'AWS_UNAVAILABLE' } });
    expect((failed.json!.error as { resolution: string }).resolution).toContain('resumes where it stopped');
    expect(await lockFiles(dir)).toEqual([]);
    expect((await readState(dir))!.resources.roleArn).toBeDefined();
    f.proxy.reset();
    expect((await cli(dir, ['up'])).code).toBe(0);
    expect(expectExactlyOneOfEach(await inventory(f))).toEqual([]);
  });

  it('a throttled read during plan surfaces as THROTTLED with the resume hint and writes nothing', async () => {
    const dir = await f.project();
    expect((await cli(dir, ['up'])).code).toBe(0);
    const before = await readState(dir);
    // Lose the state so that plan has to list pools by name: that read is the one throttled.
    f.proxy.reset();
    f.proxy.addFault({ match: 'cognito-idp:DescribeUserPool', fault: { kind: 'throttle' }, times: 1000 });
    const plan = await cli(dir, ['plan', '--json'], { AWS_MAX_ATTEMPTS: '2' });
    expect(plan.code).toBe(1);
    expect(plan.json).toMatchObject({ ok: false, error: { code: 'THROTTLED' } });
    expect((plan.json!.error as { message: string }).message).toContain('cognito-idp:DescribeUserPool');
    expect((plan.json!.error as { resolution: string }).resolution).toContain('run the same command again');
    expect(f.proxy.writes()).toEqual([]);
    expect(await readState(dir)).toEqual(before);
  });

  it('IAM propagation errors on UpdateFunctionConfiguration (role changed) are retried too', async () => {
    const dir = await f.project();
    expect((await cli(dir, ['up'])).code).toBe(0);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      join(dir, 'otp-setup.config.json'),
      JSON.stringify({ region: 'us-east-1', email: { from: 'noreply@example.com' }, otp: { length: 8 } }),
    );
    f.proxy.reset();
    f.proxy.addFault({ match: 'UpdateFunctionConfiguration', fault: ROLE_LAG, times: 2 });
    const result = await cli(dir, ['up', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(f.proxy.faultsInjected).toBe(2);
    expect(result.json!.retries as number).toBeGreaterThanOrEqual(2);
  });

  it('a lost answer to CreateUserPool / CreateUserPoolClient (done by AWS, then a reset) leaves no twin behind', async () => {
    const dir = await f.project();
    f.proxy.addFault({ match: 'cognito-idp:CreateUserPool', fault: { kind: 'drop-response' }, times: 1 });
    f.proxy.addFault({ match: 'cognito-idp:CreateUserPoolClient', fault: { kind: 'drop-response' }, times: 1 });
    const result = await cli(dir, ['up', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(f.proxy.faultsInjected).toBe(2);
    // The SDK retried each create, so AWS made two of each; the twins were removed in the same run.
    expect(f.proxy.calls.filter((c) => c.action === 'CreateUserPool')).toHaveLength(2);
    expect(f.proxy.calls.filter((c) => c.action === 'CreateUserPoolClient')).toHaveLength(2);
    const inv = await inventory(f);
    expect(expectExactlyOneOfEach(inv)).toEqual([]);
    expect(result.json!.userPoolId).toBe(inv.pools[0]!.id);
    expect(result.json!.clientId).toBe(inv.pools[0]!.clients[0]);
  });

  it('a lost answer to CreateRole / CreateFunction (done by AWS, then a reset) is recognised: one run converges', async () => {
    // One role, five functions; the dropped answer adds one retried call.
    for (const [match, action, calls] of [
      ['CreateRole', 'CreateRole', 2],
      ['lambda:CreateFunction', 'CreateFunction', 6],
    ] as const) {
      await f.moto.reset();
      f.proxy.reset();
      const dir = await f.project();
      f.proxy.addFault({ match, fault: { kind: 'drop-response' }, times: 1 });
      const first = await cli(dir, ['up', '--json']);
      expect(first.code, `${match}: ${first.stderr}`).toBe(0);
      expect(f.proxy.faultsInjected).toBe(1);
      // The SDK retried, met "already exists", and the step took the resource its lost attempt made.
      // (Not counting calls the realism layer answered itself, e.g. the new role's propagation lag.)
      expect(f.proxy.calls.filter((c) => c.action === action && !c.realism)).toHaveLength(calls);
      expect(expectExactlyOneOfEach(await inventory(f)), match).toEqual([]);
      await access(join(dir, '.env'));
      f.proxy.reset();
      const second = await cli(dir, ['up', '--json']);
      expect(second.code, second.stderr).toBe(0);
      expect(f.proxy.writes()).toEqual([]);
    }
  });

  it('access denied names the permission to grant and stops with exit 1, no stack trace', async () => {
    for (const [match, fault, action] of [
      [
        'CreateRole',
        {
          kind: 'error',
          status: 403,
          type: 'AccessDenied',
          message: 'User: arn:aws:iam::123456789012:user/dev is not authorized to perform: iam:CreateRole',
        },
        'iam:CreateRole',
      ],
      [
        'lambda:CreateFunction',
        { kind: 'error', status: 403, type: 'AccessDeniedException', message: 'not authorized to perform: lambda:CreateFunction' },
        'lambda:CreateFunction',
      ],
    ] as const) {
      await f.moto.reset();
      f.proxy.reset();
      const dir = await f.project();
      f.proxy.addFault({ match, fault, times: 100 });
      const result = await cli(dir, ['up', '--json']);
      expect(result.code, match).toBe(1);
      const error = result.json!.error as { code: string; message: string; resolution: string };
      expect(error.code).toBe('ACCESS_DENIED');
      expect(error.message).toContain(`Access denied: ${action}`);
      expect(error.resolution).toContain(`Grant the permission "${action}"`);
      expect(result.stderr).not.toMatch(STACK_FRAME);
    }
  });
});
