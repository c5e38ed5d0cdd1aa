import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler as createCreate } from '../../handlers/create-auth-challenge.js';
import { createHandler as createVerify } from '../../handlers/verify-auth-challenge.js';
import { sealCode, sealedToParameters } from '../../handlers/shared/otp.js';
import { RateLimitedError, RateLimiter, type RateLimitSettings } from '../../handlers/shared/rate-limit.js';
import { defaultTemplates } from '../../src/package/build-handlers.js';
import { startStackFixture, type StackFixture } from '../support/stack-fixture.js';

// The limiter's conditional writes run against a real DynamoDB implementation (moto), in the
// table `otp-setup up` created, so the condition expressions themselves are what is tested.
let f: StackFixture;
let db: DynamoDBClient;
const table = 'email-otp-rate-limits';
const KEY = Buffer.alloc(32, 5);
const settings: RateLimitSettings = {
  table,
  key: KEY,
  codesPerWindow: 3,
  windowSeconds: 900,
  maxFailures: 4,
  lockoutSeconds: 900,
  failureCeiling: 8,
  codesPerDay: 20,
  dailyEmailBudget: 0,
};
const T0 = Date.UTC(2026, 10, 24, 10, 0, 0);

beforeAll(async () => {
  f = await startStackFixture();
  const dir = await f.project();
  const up = await f.cli(dir, ['up', '--json']);
  expect(up.code, up.stderr).toBe(0);
  db = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: f.moto.url,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
});
afterAll(async () => {
  db?.destroy();
  await f?.close();
});

async function limited(p: Promise<unknown>): Promise<RateLimitedError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(RateLimitedError);
    return err as RateLimitedError;
  }
  throw new Error('expected a rate limit');
}

describe('rate limiter against DynamoDB', () => {
  it('caps codes per address per window, whatever the spelling, and opens again in the next window', async () => {
    const limiter = new RateLimiter(db, settings);
    await limiter.consumeCode('Window@Example.com', T0);
    await limiter.consumeCode('window@example.com', T0 + 1000);
    await limiter.consumeCode(' WINDOW@example.COM ', T0 + 2000);
    const err = await limited(limiter.consumeCode('window@example.com', T0 + 3000));
    expect(err.message).toBe('Too many sign-in codes requested for this address. Try again in 15 minutes');
    // Another address has its own counter.
    await limiter.consumeCode('other@example.com', T0 + 3000);
    await limiter.consumeCode('window@example.com', T0 + 900_000);
  });

  it('locks an address out after consecutive wrong codes, across sessions, until the lockout ends', async () => {
    const limiter = new RateLimiter(db, settings);
    const who = 'guess@example.com';
    for (let i = 0; i < 3; i++) await limiter.recordFailure(who, T0 + i * 1000);
    expect(await limiter.lockedFor(who, T0 + 3000)).toBe(0);
    await limiter.recordFailure(who, T0 + 4000);
    expect(await limiter.lockedFor(who, T0 + 5000)).toBe(899);
    const err = await limited(limiter.assertNotLocked(who, T0 + 5000));
    expect(err.message).toContain('Too many wrong codes');
    // Answers while locked are refused and not counted.
    expect(await limiter.recordFailure(who, T0 + 5000)).toBe('locked');
    // After the lockout the count goes on (waiting resets nothing): the next lockout is twice as long,
    // and the ceiling locks the address until an unlock.
    let t = T0 + 4000 + 900_000;
    for (let i = 0; i < 4; i++) expect(await limiter.recordFailure(who, (t += 1000))).toBe('counted');
    expect(await limiter.lockedFor(who, t)).toBe(Number.POSITIVE_INFINITY);
    expect(await limiter.recordSuccess(who, t + 86_400_000)).toBe('locked');
    await limiter.clearFailures(who);
    expect(await limiter.lockedFor(who, t)).toBe(0);
  });

  it('escalates: the second lockout in a run lasts twice the first', async () => {
    const limiter = new RateLimiter(db, { ...settings, failureCeiling: 100 });
    const who = 'escalate@example.com';
    for (let i = 0; i < 4; i++) await limiter.recordFailure(who, T0);
    expect(await limiter.lockedFor(who, T0)).toBe(900);
    for (let i = 0; i < 4; i++) await limiter.recordFailure(who, T0 + 900_000);
    expect(await limiter.lockedFor(who, T0 + 900_000)).toBe(1800);
  });

  it('a right code clears the failures', async () => {
    const limiter = new RateLimiter(db, settings);
    const who = 'clear@example.com';
    for (let i = 0; i < 3; i++) await limiter.recordFailure(who, T0);
    expect(await limiter.recordSuccess(who, T0)).toBe('cleared');
    await limiter.recordFailure(who, T0);
    expect(await limiter.lockedFor(who, T0)).toBe(0);
  });

  it('parallel wrong answers: exactly maxFailures are counted before the lockout', async () => {
    const limiter = new RateLimiter(db, settings);
    const who = 'parallel@example.com';
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => limiter.recordFailure(who, T0)));
    expect(outcomes.filter((o) => o === 'counted')).toHaveLength(4);
    expect(await limiter.lockedFor(who, T0)).toBe(900);
  });

  it('stores no email address, only hashes', async () => {
    const items = await db.send(new ScanCommand({ TableName: table }));
    expect(items.Items!.length).toBeGreaterThan(0);
    expect(JSON.stringify(items.Items)).not.toMatch(/@|example/i);
  });
});

describe('handlers with the limiter', () => {
  const env = {
    FROM_EMAIL: 'noreply@example.com',
    OTP_HMAC_KEY: KEY.toString('base64url'),
    RATE_LIMIT_TABLE: table,
    RATE_LIMIT_CODES: '2',
    RATE_LIMIT_WINDOW_SECONDS: '900',
    RATE_LIMIT_FAILURES: '3',
    RATE_LIMIT_LOCKOUT_SECONDS: '900',
  };
  const sent: unknown[] = [];
  const ses = { send: async (c: unknown) => void sent.push(c) };
  const silent = (): void => undefined;
  const firstRound = (email: string, userNotFound = false) => ({
    userName: email,
    request: {
      userAttributes: userNotFound ? {} : { email },
      session: [],
      challengeName: 'CUSTOM_CHALLENGE',
      ...(userNotFound ? { userNotFound } : {}),
    },
    response: {},
  });

  it('Create refuses a third code in the window, for known and unknown addresses alike', async () => {
    const templates = await defaultTemplates();
    const create = createCreate({
      ses,
      env,
      templates,
      rateStore: db,
      now: () => T0 + 5_000_000,
      pause: async () => undefined,
      log: silent,
    });
    for (const [email, unknown] of [
      ['known@example.com', false],
      ['nobody@example.com', true],
    ] as const) {
      await create(firstRound(email, unknown));
      await create(firstRound(email, unknown));
      const err = await limited(create(firstRound(email, unknown)));
      expect(err.message).toContain('Too many sign-in codes requested');
    }
    expect(sent).toHaveLength(2);
  });

  it('Verify refuses even the right code while the address is locked out', async () => {
    const verify = createVerify({ env, rateStore: db, now: () => T0 + 6_000_000, log: silent });
    const event = (answer: string) => ({
      userName: 'locked@example.com',
      request: {
        userAttributes: { email: 'locked@example.com' },
        privateChallengeParameters: sealedToParameters(sealCode(KEY, '123456', T0 + 7_000_000)),
        challengeAnswer: answer,
      },
      response: {},
    });
    for (let i = 0; i < 3; i++) expect((await verify(event('000000'))).response.answerCorrect).toBe(false);
    expect((await verify(event('123456'))).response.answerCorrect).toBe(false);
  });
});
