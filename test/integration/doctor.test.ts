import { DescribeUserPoolCommand, UpdateUserPoolCommand } from '@aws-sdk/client-cognito-identity-provider';
import { RemovePermissionCommand, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { CloudWatchLogsClient, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DisassociateWebACLCommand, WAFV2Client } from '@aws-sdk/client-wafv2';
import { BASE_CONFIG, changeClientByHand, startStackFixture, type StackFixture } from '../support/stack-fixture.js';

let f: StackFixture;
let logs: CloudWatchLogsClient;
beforeAll(async () => {
  f = await startStackFixture();
  logs = new CloudWatchLogsClient({
    region: 'us-east-1',
    endpoint: f.moto.url,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
});
afterAll(async () => {
  logs?.destroy();
  await f?.close();
});
beforeEach(async () => {
  await f.moto.reset();
  f.proxy.reset();
});

type Check = { id: string; verdict: string; detail: string; fix?: string };

async function doctor(dir: string) {
  const result = await f.cli(dir, ['doctor', '--json']);
  const checks = (result.json?.checks ?? []) as Check[];
  return { result, checks, verdict: (id: string) => checks.find((c) => c.id === id)?.verdict };
}

async function upAndPool(dir: string) {
  const up = await f.cli(dir, ['up', '--json']);
  expect(up.code, up.stderr).toBe(0);
  return { poolId: up.json!.userPoolId as string, clientId: up.json!.clientId as string };
}

describe('otp-setup doctor against moto', () => {
  it('passes every check after up, read-only; SES account status is unknown where GetAccount is missing', async () => {
    const dir = await f.project();
    await upAndPool(dir);
    f.proxy.reset();
    const { result, checks, verdict } = await doctor(dir);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.json!.ok).toBe(true);
    // FilterLogEvents is a read the proxy's Get/List/Describe naming rule does not know.
    expect(
      f.proxy
        .writes()
        .map((c) => c.action)
        .filter((a) => a !== 'FilterLogEvents'),
    ).toEqual([]);
    expect(checks.filter((c) => c.verdict !== 'ok').map((c) => c.id)).toEqual(['ses-account']);
    expect(verdict('ses-account')).toBe('unknown');
    for (const id of ['credentials', 'sender', 'triggers', 'permissions', 'client', 'handlers', 'log-retention', 'recent-errors'])
      expect(verdict(id), id).toBe('ok');
    const text = await f.cli(dir, ['doctor']);
    expect(text.stdout).toMatch(/ok\s+User pool triggers wired/);
  });

  it('fails with a fix before up: nothing exists yet', async () => {
    const dir = await f.project();
    const { result, verdict } = await doctor(dir);
    expect(result.code).toBe(1);
    expect(result.json!.ok).toBe(false);
    expect(verdict('triggers')).toBe('fail');
    expect(verdict('handlers')).toBe('fail');
    expect(verdict('sender')).toBe('fail');
  });

  it('finds a deleted invoke permission', async () => {
    const dir = await f.project();
    await upAndPool(dir);
    await f.sdk.lambda.send(
      new RemovePermissionCommand({ FunctionName: 'email-otp-create-auth-challenge', StatementId: 'otp-setup-cognito-trigger' }),
    );
    const { result, checks } = await doctor(dir);
    expect(result.code).toBe(1);
    const check = checks.find((c) => c.id === 'permissions')!;
    expect(check).toMatchObject({ verdict: 'fail' });
    expect(check.detail).toContain('email-otp-create-auth-challenge');
    expect(check.fix).toContain('otp-setup up');
  });

  it('finds a trigger wired to the wrong function', async () => {
    const dir = await f.project();
    const { poolId } = await upAndPool(dir);
    const { UserPool: pool } = await f.sdk.cognito.send(new DescribeUserPoolCommand({ UserPoolId: poolId }));
    await f.sdk.cognito.send(
      new UpdateUserPoolCommand({
        UserPoolId: poolId,
        LambdaConfig: { ...pool!.LambdaConfig, CreateAuthChallenge: pool!.LambdaConfig!.VerifyAuthChallengeResponse },
        AutoVerifiedAttributes: pool!.AutoVerifiedAttributes,
      }),
    );
    const { result, checks } = await doctor(dir);
    expect(result.code).toBe(1);
    const check = checks.find((c) => c.id === 'triggers')!;
    expect(check.verdict).toBe('fail');
    expect(check.detail).toContain('CreateAuthChallenge → email-otp-verify-auth-challenge');
  });

  it('finds a password flow added to the app client', async () => {
    const dir = await f.project();
    const { poolId, clientId } = await upAndPool(dir);
    await changeClientByHand(f, poolId, clientId, (c) => ({ ExplicitAuthFlows: [...c.ExplicitAuthFlows!, 'ALLOW_USER_SRP_AUTH'] }));
    const { result, checks } = await doctor(dir);
    expect(result.code).toBe(1);
    const check = checks.find((c) => c.id === 'client')!;
    expect(check.verdict).toBe('fail');
    expect(check.detail).toContain('ALLOW_USER_SRP_AUTH');
  });

  it('email-ownership: up creates the pool with verification required before an email change', async () => {
    const dir = await f.project();
    const { poolId } = await upAndPool(dir);
    // The failing half of the check is unit-tested: moto's UpdateUserPool drops UsernameAttributes,
    // so the setting cannot be broken here without breaking the pool.
    const { UserPool: pool } = await f.sdk.cognito.send(new DescribeUserPoolCommand({ UserPoolId: poolId }));
    expect(pool!.UserAttributeUpdateSettings?.AttributesRequireVerificationBeforeUpdate).toEqual(['email']);
    expect((await doctor(dir)).verdict('email-ownership')).toBe('ok');
  });

  it('email-ownership: finds an attribute the app client was allowed to write by hand', async () => {
    const dir = await f.project();
    const { poolId, clientId } = await upAndPool(dir);
    await changeClientByHand(f, poolId, clientId, (c) => ({ WriteAttributes: [...c.WriteAttributes!, 'phone_number'] }));
    const check = (await doctor(dir)).checks.find((x) => x.id === 'email-ownership')!;
    expect(check.verdict).toBe('fail');
    expect(check.detail).toContain('also phone_number');
  });

  it('waf: ok with protection.waf on after up; fails once the web ACL is taken off the pool', async () => {
    const dir = await f.project({ ...BASE_CONFIG, protection: { waf: { enabled: true } } });
    const { poolId } = await upAndPool(dir);
    expect((await doctor(dir)).checks.find((x) => x.id === 'waf')).toMatchObject({ verdict: 'ok' });
    const waf = new WAFV2Client({
      region: 'us-east-1',
      endpoint: f.moto.url,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    const { UserPool: pool } = await f.sdk.cognito.send(new DescribeUserPoolCommand({ UserPoolId: poolId }));
    await waf.send(new DisassociateWebACLCommand({ ResourceArn: pool!.Arn! }));
    waf.destroy();
    const check = (await doctor(dir)).checks.find((x) => x.id === 'waf')!;
    expect(check.verdict).toBe('fail');
    expect(check.detail).toContain('it is not associated with the pool');
  });

  it('finds an environment variable changed by hand', async () => {
    const dir = await f.project();
    await upAndPool(dir);
    await f.sdk.lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'email-otp-create-auth-challenge',
        Environment: { Variables: { LOG_LEVEL: 'info', OTP_LENGTH: '4', OTP_TTL_SECONDS: '180', FROM_EMAIL: 'noreply@example.com' } },
      }),
    );
    const { result, checks } = await doctor(dir);
    expect(result.code).toBe(1);
    const check = checks.find((c) => c.id === 'handlers')!;
    expect(check.verdict).toBe('fail');
    expect(check.detail).toContain('OTP_LENGTH=4, want 6');
  });

  it('reports recent handler error lines (warn, not fail) and logs prints them', async () => {
    const dir = await f.project();
    await upAndPool(dir);
    const group = '/aws/lambda/email-otp-create-auth-challenge';
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 's1' }));
    const now = Date.now();
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: group,
        logStreamName: 's1',
        logEvents: [
          {
            timestamp: now - 5000,
            message: `${new Date(now - 5000).toISOString()}\tabc\tINFO\t{"level":"info","fn":"create-auth-challenge","msg":"code sent"}`,
          },
          {
            timestamp: now - 4000,
            message: `${new Date(now - 4000).toISOString()}\tabc\tERROR\t{"level":"error","fn":"create-auth-challenge","msg":"SES send failed","error":"MessageRejected"}`,
          },
        ],
      }),
    );
    const { result, checks } = await doctor(dir);
    expect(result.code).toBe(0);
    const check = checks.find((c) => c.id === 'recent-errors')!;
    expect(check.verdict).toBe('warn');
    expect(check.detail).toContain('SES send failed');

    const tail = await f.cli(dir, ['logs', '--function', 'create', '--since', '1h']);
    expect(tail.code, tail.stderr).toBe(0);
    expect(tail.stdout).toMatch(/email-otp-create-auth-challenge INFO\s+code sent/);
    expect(tail.stdout).toMatch(/ERROR SES send failed \{"error":"MessageRejected"\}/);
    const json = await f.cli(dir, ['logs', '--json', '--since', '1h']);
    expect((json.json!.events as unknown[]).length).toBe(2);
    const other = await f.cli(dir, ['logs', '--function', 'verify', '--json']);
    expect(other.json!.events).toEqual([]);
  });

  it('logs rejects a bad --function or --since with a usage error', async () => {
    const dir = await f.project();
    for (const args of [
      ['--function', 'signin'],
      ['--since', 'yesterday'],
      ['--since', '0m'],
      ['--since', '10'],
    ]) {
      const bad = await f.cli(dir, ['logs', ...args, '--json']);
      expect(bad.code, args.join(' ')).toBe(2);
      expect(bad.json!.ok).toBe(false);
    }
    expect(f.proxy.calls).toEqual([]);
  });
});
