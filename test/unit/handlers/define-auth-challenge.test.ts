import { describe, expect, it } from 'vitest';
import { createHandler } from '../../../handlers/define-auth-challenge.js';
import { captureLogs, defineEvent, type SessionEntryInput } from './support.js';

const custom = (challengeResult: unknown): SessionEntryInput => ({
  challengeName: 'CUSTOM_CHALLENGE',
  challengeResult,
  challengeMetadata: 'otp-v1:123456:1736942580000',
});

function define(env: Record<string, string> = {}) {
  const logs = captureLogs();
  return { handler: createHandler({ env, log: logs.sink }), logs };
}

const CHALLENGE = { challengeName: 'CUSTOM_CHALLENGE', issueTokens: false, failAuthentication: false };
const TOKENS = { issueTokens: true, failAuthentication: false };
const FAIL = { issueTokens: false, failAuthentication: true };

describe('define auth challenge', () => {
  it('starts every sign-in with a CUSTOM_CHALLENGE', async () => {
    const { handler } = define();
    const result = await handler(defineEvent([]));
    expect(result.response).toEqual(CHALLENGE);
    // The rest of the event is echoed back unchanged.
    expect(result.userPoolId).toBe('us-east-1_AbCdEfGhI');
  });

  it('issues tokens right after a passed round', async () => {
    const { handler } = define();
    expect((await handler(defineEvent([custom(true)]))).response).toEqual(TOKENS);
    expect((await handler(defineEvent([custom(false), custom(true)]))).response).toEqual(TOKENS);
    expect((await handler(defineEvent([custom(false), custom(false), custom(true)]))).response).toEqual(TOKENS);
  });

  it('asks again after a wrong code while attempts remain', async () => {
    const { handler } = define();
    expect((await handler(defineEvent([custom(false)]))).response).toEqual(CHALLENGE);
    expect((await handler(defineEvent([custom(false), custom(false)]))).response).toEqual(CHALLENGE);
  });

  it('fails after maxAttempts wrong codes (default 3)', async () => {
    const { handler } = define();
    expect((await handler(defineEvent([custom(false), custom(false), custom(false)]))).response).toEqual(FAIL);
  });

  it('honours OTP_MAX_ATTEMPTS', async () => {
    const one = define({ OTP_MAX_ATTEMPTS: '1' }).handler;
    expect((await one(defineEvent([custom(false)]))).response).toEqual(FAIL);
    const five = define({ OTP_MAX_ATTEMPTS: '5' }).handler;
    const four = [custom(false), custom(false), custom(false), custom(false)];
    expect((await five(defineEvent(four))).response).toEqual(CHALLENGE);
    expect((await five(defineEvent([...four, custom(false)]))).response).toEqual(FAIL);
  });

  it('only a literal boolean true counts as a pass', async () => {
    const { handler } = define();
    for (const truthy of ['true', 1, {}, [true]]) {
      expect((await handler(defineEvent([custom(truthy)]))).response).toEqual(CHALLENGE);
    }
  });

  it('never issues tokens to an unknown user, and fails after the same number of rounds', async () => {
    const { handler } = define();
    expect((await handler(defineEvent([], { userNotFound: true }))).response).toEqual(CHALLENGE);
    expect((await handler(defineEvent([custom(true)], { userNotFound: true }))).response).toEqual(CHALLENGE);
    expect((await handler(defineEvent([custom(false), custom(true)], { userNotFound: true }))).response).toEqual(CHALLENGE);
    expect((await handler(defineEvent([custom(false), custom(false), custom(true)], { userNotFound: true }))).response).toEqual(FAIL);
    // A garbled flag is read as "not found": the safe side.
    expect((await handler(defineEvent([custom(true)], { userNotFound: 'yes' }))).response).toEqual(CHALLENGE);
    // An explicit false is a normal user.
    expect((await handler(defineEvent([custom(true)], { userNotFound: false }))).response).toEqual(TOKENS);
  });

  it('ignores foreign session entries: SRP_A / PASSWORD_VERIFIER never lead to tokens', async () => {
    const { handler, logs } = define();
    const srp: SessionEntryInput = { challengeName: 'SRP_A', challengeResult: true };
    const pv: SessionEntryInput = { challengeName: 'PASSWORD_VERIFIER', challengeResult: true };
    expect((await handler(defineEvent([srp]))).response).toEqual(CHALLENGE);
    expect((await handler(defineEvent([srp, pv]))).response).toEqual(CHALLENGE);
    // Foreign rounds do not use up attempts either.
    expect((await handler(defineEvent([srp, pv, custom(false), custom(false)]))).response).toEqual(CHALLENGE);
    expect((await handler(defineEvent([srp, pv, custom(false), custom(true)]))).response).toEqual(TOKENS);
    // A foreign pass after our failed round is still not our pass.
    expect((await handler(defineEvent([custom(false), pv]))).response).toEqual(CHALLENGE);
    expect(logs.records().some((r) => r.foreignEntries === 2)).toBe(true);
  });

  it('fails closed on malformed events without throwing', async () => {
    const { handler, logs } = define();
    const malformed: unknown[] = [
      undefined,
      null,
      'event',
      42,
      [],
      {},
      { request: null },
      { request: 'x' },
      { request: {} },
      { request: { session: 'nope' } },
      { request: { session: [null] } },
      { request: { session: [{ challengeResult: true }] } },
      { request: { session: [{ challengeName: 7, challengeResult: true }] } },
      { request: { session: [custom(false), 'junk', custom(true)] } },
    ];
    for (const event of malformed) {
      const result = await handler(event);
      expect(result.response).toEqual(FAIL);
    }
    expect(logs.records().filter((r) => r.level === 'warn')).toHaveLength(malformed.length);
  });

  it('fails loudly on an invalid OTP_MAX_ATTEMPTS instead of defaulting', async () => {
    for (const bad of ['0', '-1', 'three', '2.5', '11', '1e1']) {
      const { handler, logs } = define({ OTP_MAX_ATTEMPTS: bad });
      await expect(handler(defineEvent([]))).rejects.toThrow(/OTP_MAX_ATTEMPTS/);
      const [record] = logs.records();
      expect(record).toMatchObject({ level: 'error', fn: 'define-auth-challenge', variable: 'OTP_MAX_ATTEMPTS' });
    }
  });

  it('fails loudly on an invalid LOG_LEVEL', async () => {
    const { handler, logs } = define({ LOG_LEVEL: 'verbose' });
    await expect(handler(defineEvent([]))).rejects.toThrow(/LOG_LEVEL/);
    expect(logs.records()[0]).toMatchObject({ level: 'error', variable: 'LOG_LEVEL' });
  });

  it('logs one structured line per decision, filtered by LOG_LEVEL', async () => {
    const info = define({ LOG_LEVEL: 'info' });
    await info.handler(defineEvent([custom(false)]));
    expect(info.logs.records()).toEqual([
      expect.objectContaining({ level: 'info', fn: 'define-auth-challenge', msg: 'wrong code: asking again', round: 1, maxAttempts: 3 }),
    ]);
    const quiet = define({ LOG_LEVEL: 'warn' });
    await quiet.handler(defineEvent([]));
    expect(quiet.logs.lines).toEqual([]);
  });
});
