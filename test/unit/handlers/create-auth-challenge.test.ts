import { beforeAll, describe, expect, it } from 'vitest';
import { createHandler, EmailDeliveryError, type CreateAuthChallengeDeps } from '../../../handlers/create-auth-challenge.js';
import { createHandler as createVerify } from '../../../handlers/verify-auth-challenge.js';
import type { EmailTemplates } from '../../../handlers/shared/templates.js';
import { defaultTemplates } from '../../../src/package/build-handlers.js';
import { captureLogs, clock, createEvent, emailedCode, ENV, fakeSes, HMAC_KEY, USER, verifyEvent, noPause } from './support.js';

let templates: EmailTemplates;
beforeAll(async () => {
  templates = await defaultTemplates();
});

function setup(overrides: Partial<CreateAuthChallengeDeps> & { env?: Record<string, string> } = {}) {
  const ses = fakeSes();
  const logs = captureLogs();
  const time = clock();
  const create = createHandler({
    ses,
    now: time.now,
    templates,
    log: logs.sink,
    pause: noPause,
    ...overrides,
    env: { ...ENV, ...overrides.env },
  });
  const verify = createVerify({ now: time.now, log: logs.sink, env: { LOG_LEVEL: 'debug', OTP_HMAC_KEY: HMAC_KEY } });
  return { ses, logs, time, create, verify };
}

describe('create auth challenge', () => {
  it('first round: emails a fresh code and hands it to Verify only through private parameters', async () => {
    const { ses, create, verify, time } = setup();
    const { response } = await create(createEvent([]));

    expect(ses.calls).toHaveLength(1);
    const mail = ses.calls[0];
    expect(mail?.Destination?.ToAddresses).toEqual([USER.email]);
    expect(mail?.Source).toBe('"Example App" <noreply@example.com>');
    expect(mail?.Message?.Subject?.Data).toBe('Your sign-in code');
    const code = emailedCode(mail);
    expect(code).toMatch(/^\d{6}$/);
    expect(mail?.Message?.Body?.Html?.Data).toContain(`>${code}</p>`);
    expect(mail?.Message?.Body?.Text?.Data).toContain('expires in 3 minutes');

    // The session keeps a salted, keyed hash: the code itself is nowhere but in the email.
    expect(response.privateChallengeParameters).toEqual({
      salt: expect.stringMatching(/^[\w-]{22}$/),
      digest: expect.stringMatching(/^[\w-]{43}$/),
      expiresAt: String(time.now() + 180_000),
      codeLength: '6',
    });
    expect(response.publicChallengeParameters).toEqual({ maskedEmail: 'j***@e***.com', codeLength: '6' });
    expect(JSON.stringify(response)).not.toContain(code);
    expect(response.challengeMetadata).toMatch(/^otp-v2:6:\d{13}:[\w-]{22}:[\w-]{43}$/);
    expect(response.challengeMetadata).toContain(response.privateChallengeParameters.digest);

    // The code in the email is the one Verify accepts.
    const ok = await verify(verifyEvent(response.privateChallengeParameters, code));
    expect(ok.response.answerCorrect).toBe(true);
  });

  it('later rounds reuse the first code and expiry: one email per sign-in, not per typo', async () => {
    const { ses, create, time } = setup();
    const first = await create(createEvent([]));
    time.advance(30_000);
    const session = [{ challengeName: 'CUSTOM_CHALLENGE', challengeResult: false, challengeMetadata: first.response.challengeMetadata }];
    const second = await create(createEvent(session));
    const third = await create(createEvent([...session, ...session]));

    expect(ses.calls).toHaveLength(1);
    expect(second.response.privateChallengeParameters).toEqual(first.response.privateChallengeParameters);
    expect(third.response.privateChallengeParameters).toEqual(first.response.privateChallengeParameters);
    expect(second.response.challengeMetadata).toBe(first.response.challengeMetadata);
    expect(second.response.publicChallengeParameters).toEqual(first.response.publicChallengeParameters);
  });

  it('ignores metadata on foreign session entries and garbage metadata', async () => {
    const { ses, create, verify } = setup();
    const session = [
      { challengeName: 'SRP_A', challengeResult: true, challengeMetadata: 'otp-v1:111111:1736942580000' },
      { challengeName: 'CUSTOM_CHALLENGE', challengeResult: false, challengeMetadata: 'otp-v1:12:99' },
    ];
    const { response } = await create(createEvent(session));
    expect(ses.calls).toHaveLength(1);
    const right = await verify(verifyEvent(response.privateChallengeParameters, emailedCode(ses.calls[0])));
    expect(right.response.answerCorrect).toBe(true);
  });

  it('keeps leading zeros and honours OTP_LENGTH and OTP_TTL_SECONDS', async () => {
    const { ses, create, time, verify } = setup({ randomInt: () => 0, env: { OTP_LENGTH: '8', OTP_TTL_SECONDS: '90' } });
    const { response } = await create(createEvent([]));
    expect(emailedCode(ses.calls[0])).toBe('00000000');
    expect((await verify(verifyEvent(response.privateChallengeParameters, '00000000'))).response.answerCorrect).toBe(true);
    expect(response.privateChallengeParameters.codeLength).toBe('8');
    expect(response.privateChallengeParameters.expiresAt).toBe(String(time.now() + 90_000));
    expect(response.publicChallengeParameters.codeLength).toBe('8');
    expect(ses.calls[0]?.Message?.Body?.Text?.Data).toContain('expires in 1.5 minutes');
  });

  it('HTML-escapes user attributes and strips control characters from the subject', async () => {
    const custom: EmailTemplates = {
      subject: 'Code for {{name}}',
      text: 'Hi {{name}} <{{email}}>, your code is: {{code}} ({{ minutes }} min)',
      html: '<p>Hi {{name}} ({{email}}): <b>{{code}}</b></p>',
    };
    const { ses, create } = setup({ templates: custom });
    await create(
      createEvent([], { userAttributes: { email: "o'neil+x@example.com", name: 'Eve <script>alert("x")</script>\r\nBcc: evil@x.com' } }),
    );
    const mail = ses.calls[0]?.Message;
    expect(mail?.Body?.Html?.Data).toBe(
      `<p>Hi Eve &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Bcc: evil@x.com (o&#39;neil+x@example.com): <b>${emailedCode(ses.calls[0])}</b></p>`,
    );
    expect(mail?.Subject?.Data).toBe('Code for Eve <script>alert("x")</script> Bcc: evil@x.com');
    expect(mail?.Subject?.Data).not.toMatch(/[\r\n]/);
    expect(mail?.Body?.Text?.Data).toContain(`<o'neil+x@example.com>`);
    expect(mail?.Body?.Text?.Data).toContain('(3 min)');
  });

  it('encodes a non-ASCII sender name and works without one', async () => {
    const named = setup({ env: { FROM_NAME: 'Café Ünïcode' } });
    await named.create(createEvent([]));
    expect(named.ses.calls[0]?.Source).toBe(`=?UTF-8?B?${Buffer.from('Café Ünïcode').toString('base64')}?= <noreply@example.com>`);
    const plain = setup({ env: { FROM_NAME: '' } });
    await plain.create(createEvent([]));
    expect(plain.ses.calls[0]?.Source).toBe('noreply@example.com');
    const quoted = setup({ env: { FROM_NAME: 'The "Best" App' } });
    await quoted.create(createEvent([]));
    expect(quoted.ses.calls[0]?.Source).toBe('"The \\"Best\\" App" <noreply@example.com>');
  });

  it('unknown user: sends nothing, answers with the same shape, and Verify refuses', async () => {
    const { ses, create, verify } = setup();
    const real = await create(createEvent([]));
    const ghost = await create(createEvent([], { userNotFound: true, userAttributes: {} }));
    expect(ses.calls).toHaveLength(1);
    expect(Object.keys(ghost.response).sort()).toEqual(Object.keys(real.response).sort());
    expect(Object.keys(ghost.response.publicChallengeParameters).sort()).toEqual(
      Object.keys(real.response.publicChallengeParameters).sort(),
    );
    expect(Object.keys(ghost.response.privateChallengeParameters).sort()).toEqual(
      Object.keys(real.response.privateChallengeParameters).sort(),
    );
    expect(ghost.response.challengeMetadata).toMatch(/^otp-v2:6:\d{13}:[\w-]{22}:[\w-]{43}$/);
    // Even the right fake code is refused (here: every possible code would be; try the 0-padded ones).
    for (const answer of ['000000', '123456']) {
      const result = await verify(verifyEvent(ghost.response.privateChallengeParameters, answer, { userNotFound: true }));
      expect(result.response.answerCorrect).toBe(false);
    }
  });

  it('unknown user: before any real send, pauses a typical SES round trip, on the first round only', async () => {
    const pauses: number[] = [];
    const { create } = setup({ pause: async (ms) => void pauses.push(ms) });
    const ghost = await create(createEvent([], { userNotFound: true, userAttributes: {} }));
    expect(pauses).toHaveLength(1);
    expect(pauses[0]).toBeGreaterThanOrEqual(120);
    expect(pauses[0]).toBeLessThan(280);
    const session = [{ challengeName: 'CUSTOM_CHALLENGE', challengeResult: false, challengeMetadata: ghost.response.challengeMetadata }];
    await create(createEvent(session, { userNotFound: true, userAttributes: {} }));
    expect(pauses).toHaveLength(1);
  });

  it("unknown user: pauses as long as this container's real sends took (same distribution)", async () => {
    const pauses: number[] = [];
    const time = clock();
    const ses = fakeSes();
    const slowSes = {
      send: async (c: Parameters<typeof ses.send>[0]) => {
        time.advance(437);
        return ses.send(c);
      },
    };
    const create = createHandler({
      ses: slowSes,
      now: time.now,
      templates,
      log: () => undefined,
      pause: async (ms) => void pauses.push(ms),
      env: ENV,
    });
    await create(createEvent([]));
    await create(createEvent([], { userNotFound: true, userAttributes: {} }));
    expect(pauses).toEqual([437]);
  });

  it('unknown user: masks the typed user name like a real address', async () => {
    const { create } = setup();
    const event = { ...createEvent([], { userNotFound: true, userAttributes: {} }), userName: 'ghost@nowhere.org' };
    const { response } = await create(event);
    expect(response.publicChallengeParameters.maskedEmail).toBe('g***@n***.org');
  });

  it('SES failure fails the sign-in with a clear log line', async () => {
    const { ses, create, logs } = setup();
    const failure = Object.assign(
      new Error('Email address is not verified. The following identities failed the check: noreply@example.com'),
      {
        name: 'MessageRejected',
      },
    );
    ses.failWith = failure;
    await expect(create(createEvent([]))).rejects.toThrow(EmailDeliveryError);
    // The caller gets one fixed message: no SES internals, no region, no recipient.
    await expect(create(createEvent([]))).rejects.toThrow(/^Could not send the sign-in code. Try again later$/);
    const errors = logs.records().filter((r) => r.level === 'error');
    expect(errors[0]).toMatchObject({
      fn: 'create-auth-challenge',
      msg: 'SES SendEmail failed: failing the sign-in',
      errorName: 'MessageRejected',
      to: 'j***@e***.com',
      errorMessage: 'Email address is not verified. The following identities failed the check: n***@e***.com',
    });
    // The logs carry no recipient address (the sender's own is no secret).
    expect(logs.lines.join('\n')).not.toContain(USER.email);
  });

  it('a user without a usable email gets no email and an unanswerable challenge, not a crash', async () => {
    const { ses, create, logs } = setup();
    const { response } = await create(createEvent([], { userAttributes: { sub: USER.sub } }));
    expect(ses.calls).toHaveLength(0);
    expect(response.privateChallengeParameters.codeLength).toBe('6');
    expect(logs.records().some((r) => r.level === 'error' && r.msg.includes('no usable email'))).toBe(true);
  });

  it('malformed events: no email, no throw, same response shape', async () => {
    const { ses, create } = setup();
    const events: unknown[] = [
      undefined,
      null,
      'x',
      { request: null },
      { request: { session: 'nope', challengeName: 'CUSTOM_CHALLENGE', userAttributes: { email: USER.email } } },
      { request: { session: [], challengeName: 'SRP_A', userAttributes: { email: USER.email } } },
      { request: { session: [], challengeName: 'CUSTOM_CHALLENGE', userAttributes: { email: 42 } } },
      { request: { session: [], challengeName: 'CUSTOM_CHALLENGE', userAttributes: 'jane@example.com' } },
    ];
    for (const event of events) {
      const { response } = await create(event);
      expect(Object.keys(response).sort()).toEqual(['challengeMetadata', 'privateChallengeParameters', 'publicChallengeParameters']);
      expect(response.privateChallengeParameters.digest).toMatch(/^[\w-]{43}$/);
    }
    expect(ses.calls).toHaveLength(0);
  });

  it('misconfiguration fails loudly at invocation', async () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ FROM_EMAIL: '' }, /FROM_EMAIL is not set/],
      [{ FROM_EMAIL: 'not-an-address' }, /FROM_EMAIL/],
      [{ FROM_NAME: 'x\ny' }, /FROM_NAME/],
      [{ OTP_LENGTH: '3' }, /OTP_LENGTH/],
      [{ OTP_LENGTH: '5' }, /OTP_LENGTH/],
      [{ OTP_TTL_SECONDS: '601' }, /OTP_TTL_SECONDS/],
      [{ OTP_HMAC_KEY: '' }, /OTP_HMAC_KEY is not set/],
      [{ OTP_HMAC_KEY: 'c2hvcnQ' }, /OTP_HMAC_KEY is invalid/],
      [{ OTP_LENGTH: '11' }, /OTP_LENGTH/],
      [{ OTP_LENGTH: 'six' }, /OTP_LENGTH/],
      [{ OTP_TTL_SECONDS: '0' }, /OTP_TTL_SECONDS/],
      [{ OTP_TTL_SECONDS: '3600' }, /OTP_TTL_SECONDS/],
    ];
    for (const [env, message] of cases) {
      const { ses, create, logs } = setup({ env });
      await expect(create(createEvent([]))).rejects.toThrow(message);
      expect(ses.calls).toHaveLength(0);
      expect(logs.records()[0]).toMatchObject({ level: 'error', fn: 'create-auth-challenge' });
      expect(String(logs.records()[0]?.msg)).toContain('misconfigured');
    }
  });

  it('refuses to run without templates rather than sending an empty email', async () => {
    const ses = fakeSes();
    const logs = captureLogs();
    const create = createHandler({ ses, env: ENV, log: logs.sink, pause: noPause });
    await expect(create(createEvent([]))).rejects.toThrow(/templates/);
    expect(ses.calls).toHaveLength(0);
  });
});
