import { describe, expect, it } from 'vitest';
import { createHandler } from '../../../handlers/verify-auth-challenge.js';
import { answerMatches, sealCode, sealedToParameters } from '../../../handlers/shared/otp.js';
import { captureLogs, clock, HMAC_KEY, verifyEvent } from './support.js';

const key = Buffer.from(HMAC_KEY, 'base64url');

function setup() {
  const time = clock();
  const logs = captureLogs();
  const verify = createHandler({ now: time.now, env: { OTP_HMAC_KEY: HMAC_KEY }, log: logs.sink });
  const params = sealedToParameters(sealCode(key, '012345', time.now() + 180_000));
  return { time, logs, verify, params };
}

describe('verify auth challenge', () => {
  it('accepts the right code', async () => {
    const { verify, params } = setup();
    const result = await verify(verifyEvent(params, '012345'));
    expect(result.response).toEqual({ answerCorrect: true });
    expect(result.triggerSource).toBe('VerifyAuthChallengeResponse_Authentication');
  });

  it('rejects a wrong code, a shorter or longer one, and leading-zero loss', async () => {
    const { verify, params } = setup();
    for (const answer of ['012346', '12345', '0123456', '', '０１２３４５', '012 345']) {
      expect((await verify(verifyEvent(params, answer))).response.answerCorrect).toBe(false);
    }
  });

  it('trims surrounding whitespace from the answer', async () => {
    const { verify, params } = setup();
    for (const answer of [' 012345', '012345 ', '\t012345\n', '\u00a0012345\r\n']) {
      expect((await verify(verifyEvent(params, answer))).response.answerCorrect).toBe(true);
    }
  });

  it('rejects an expired code, even when right', async () => {
    const { verify, params, time, logs } = setup();
    time.advance(179_999);
    expect((await verify(verifyEvent(params, '012345'))).response.answerCorrect).toBe(true);
    time.advance(1);
    expect((await verify(verifyEvent(params, '012345'))).response.answerCorrect).toBe(false);
    expect(logs.records().at(-1)).toMatchObject({ outcome: 'expired' });
  });

  it('refuses unknown users even with the (fake) right code', async () => {
    const { verify, params, logs } = setup();
    expect((await verify(verifyEvent(params, '012345', { userNotFound: true }))).response.answerCorrect).toBe(false);
    expect(logs.records().at(-1)).toMatchObject({ outcome: 'user-not-found' });
  });

  it('malformed input is a wrong answer, never a crash', async () => {
    const { verify, params, logs } = setup();
    const events: unknown[] = [
      undefined,
      null,
      7,
      'x',
      { request: undefined },
      { request: {} },
      verifyEvent(undefined, '012345'),
      verifyEvent('012345', '012345'),
      verifyEvent({}, '012345'),
      // The old plaintext shape is not accepted: a session from before the upgrade fails closed.
      verifyEvent({ answer: '012345', expiresAt: params.expiresAt }, '012345'),
      verifyEvent({ ...params, digest: undefined }, '012345'),
      verifyEvent({ ...params, salt: 'short' }, '012345'),
      verifyEvent({ ...params, expiresAt: 'soon' }, '012345'),
      verifyEvent({ ...params, expiresAt: Number(params.expiresAt) }, '012345'),
      verifyEvent({ ...params, codeLength: 6 }, '012345'),
      verifyEvent({ ...params, digest: `${params.digest}x` }, '012345'),
      verifyEvent(params, 12345),
      verifyEvent(params, ['012345']),
      verifyEvent(params, null),
      verifyEvent(params, { toString: () => '012345' }),
      verifyEvent(params, '012345'.padEnd(10_000, ' ')),
    ];
    for (const event of events) {
      expect((await verify(event)).response).toEqual({ answerCorrect: false });
    }
    expect(logs.records().every((r) => r.level === 'warn' && r.msg === 'malformed event: answer rejected')).toBe(true);
  });

  it('compares keyed hashes: the right code under another key, salt or expiry does not match', () => {
    const sealed = sealCode(key, '123456', 1_000);
    expect(answerMatches(key, sealed, '123456')).toBe(true);
    expect(answerMatches(key, sealed, '123457')).toBe(false);
    expect(answerMatches(key, sealed, '1234567')).toBe(false);
    expect(answerMatches(key, sealed, '')).toBe(false);
    expect(answerMatches(key, sealed, '12345é')).toBe(false);
    expect(answerMatches(Buffer.alloc(32, 1), sealed, '123456')).toBe(false);
    expect(answerMatches(key, { ...sealed, expiresAt: 1_001 }, '123456')).toBe(false);
    expect(answerMatches(key, { ...sealed, salt: sealCode(key, '123456', 1_000).salt }, '123456')).toBe(false);
  });

  it('fails loudly without the stack key rather than accepting anything', async () => {
    const verify = createHandler({ env: {}, log: () => undefined });
    await expect(verify(verifyEvent({}, '012345'))).rejects.toThrow(/OTP_HMAC_KEY/);
  });
});
