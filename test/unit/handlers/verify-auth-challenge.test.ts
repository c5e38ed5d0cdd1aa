import { describe, expect, it } from 'vitest';
import { codesMatch, createHandler } from '../../../handlers/verify-auth-challenge.js';
import { captureLogs, clock, verifyEvent } from './support.js';

function setup() {
  const time = clock();
  const logs = captureLogs();
  const verify = createHandler({ now: time.now, env: {}, log: logs.sink });
  const params = { answer: '012345', expiresAt: String(time.now() + 180_000) };
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
      verifyEvent({ answer: '012345' }, '012345'),
      verifyEvent({ answer: 12345, expiresAt: params.expiresAt }, '12345'),
      verifyEvent({ answer: '012345', expiresAt: 'soon' }, '012345'),
      verifyEvent({ answer: '012345', expiresAt: Number(params.expiresAt) }, '012345'),
      verifyEvent({ answer: '', expiresAt: params.expiresAt }, ''),
      verifyEvent({ answer: 'abcdef', expiresAt: params.expiresAt }, 'abcdef'),
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

  it('compares in constant time only on equal lengths, and never throws on a mismatch', () => {
    expect(codesMatch('123456', '123456')).toBe(true);
    expect(codesMatch('123456', '123457')).toBe(false);
    expect(codesMatch('123456', '1234567')).toBe(false);
    expect(codesMatch('123456', '')).toBe(false);
    // Same UTF-16 length, different byte length: must not reach timingSafeEqual with unequal buffers.
    expect(codesMatch('123456', '12345é')).toBe(false);
  });
});
