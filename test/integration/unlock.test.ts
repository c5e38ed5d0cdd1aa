import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimiter, readRateLimit } from '../../handlers/shared/rate-limit.js';
import { startStackFixture, type StackFixture } from '../support/stack-fixture.js';
import { STACK_FRAME } from '../support/stack-trace.js';

// `otp-setup unlock` against the table and functions `up` created in moto: a lockout written with
// the deployed verify function's own settings (its table, secret and ceiling) is the one cleared.
let f: StackFixture;
let dir: string;
let db: DynamoDBClient;
let limiter: RateLimiter;
const T0 = Date.now();

beforeAll(async () => {
  f = await startStackFixture();
  dir = await f.project();
  const up = await f.cli(dir, ['up', '--json']);
  expect(up.code, up.stderr).toBe(0);
  db = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: f.moto.url,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  const conf = await f.sdk.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'email-otp-verify-auth-challenge' }));
  const settings = readRateLimit(conf.Environment?.Variables ?? {});
  expect(settings?.failureCeiling).toBe(100);
  limiter = new RateLimiter(db, settings!);
});
afterAll(async () => {
  db?.destroy();
  await f?.close();
});

async function lockForGood(email: string): Promise<void> {
  let t = T0;
  for (let n = 0; n < 100;) {
    const wait = await limiter.lockedFor(email, t);
    if (wait > 0) t += wait * 1000;
    else if ((await limiter.recordFailure(email, t)) === 'counted') n++;
  }
  expect(await limiter.lockedFor(email, T0)).toBe(Number.POSITIVE_INFINITY);
}

describe('otp-setup unlock', () => {
  it('clears a lockout past the 100-failure ceiling, whatever the spelling typed', async () => {
    await lockForGood('locked@example.com');
    const out = await f.cli(dir, ['unlock', '--email', 'Locked@Example.com', '--json']);
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout.trim().split('\n').at(-1)!)).toEqual({
      ok: true,
      command: 'unlock',
      email: 'l***@e***.com',
      failures: 100,
      wasLocked: true,
      permanent: true,
    });
    expect(await limiter.lockedFor('locked@example.com', T0)).toBe(0);
    expect(await limiter.recordSuccess('locked@example.com', T0)).toBe('cleared');
  });

  it('says so when there was nothing to clear', async () => {
    const out = await f.cli(dir, ['unlock', '--email', 'fine@example.com']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain('no wrong codes on record');
  });

  it('says the stack is not deployed when its verify function is missing', async () => {
    const other = await f.project({ region: 'us-east-1', stage: 'nowhere', email: { from: 'noreply@example.com' } });
    const out = await f.cli(other, ['unlock', '--email', 'a@example.com', '--json']);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('email-otp-verify-auth-challenge-nowhere');
    expect(out.stderr).toContain('[NOT_DEPLOYED]');
    expect(out.stderr).not.toMatch(STACK_FRAME);
  });

  it('refuses a missing or malformed address as a usage error', async () => {
    const bad = await f.cli(dir, ['unlock', '--email', 'not-an-address']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('is not an email address');
    const missing = await f.cli(dir, ['unlock']);
    expect(missing.code).toBe(2);
  });
});
