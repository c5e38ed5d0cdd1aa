import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createHandler as createCreate, EmailDeliveryError } from '../../../handlers/create-auth-challenge.js';
import { createHandler as createDefine } from '../../../handlers/define-auth-challenge.js';
import type { EmailTemplates } from '../../../handlers/shared/templates.js';
import { createHandler as createVerify } from '../../../handlers/verify-auth-challenge.js';
import { defaultTemplates } from '../../../src/package/build-handlers.js';
import { encodeMetadata, sealCode, sealedToParameters } from '../../../handlers/shared/otp.js';
import { captureLogs, emailedCode, ENV, fakeSes, HMAC_KEY, noPause } from './support.js';

const KEY = Buffer.from(HMAC_KEY, 'base64url');
const VERIFY_ENV = { OTP_HMAC_KEY: HMAC_KEY };

let templates: EmailTemplates;
beforeAll(async () => {
  templates = await defaultTemplates();
});

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
const RUNS = 400;

// Mostly well-formed values with hostile ones mixed in: pure junk would only ever exercise the
// "malformed" exits, so each generator is weighted towards shapes Cognito really sends.
const junk = fc.anything();
const often = <T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<unknown> = junk) =>
  fc.oneof({ weight: 6, arbitrary: good }, { weight: 1, arbitrary: bad });

const challengeName = often(
  fc.constantFrom(
    'CUSTOM_CHALLENGE',
    'CUSTOM_CHALLENGE',
    'SRP_A',
    'PASSWORD_VERIFIER',
    'SMS_MFA',
    'DEVICE_SRP_AUTH',
    'custom_challenge',
    '',
  ),
  fc.oneof(fc.string(), junk),
);
const metadata = often(
  fc
    .tuple(fc.stringMatching(/^\d{1,12}$/), fc.integer({ min: 0, max: 2 ** 48 }), fc.boolean())
    .map(([c, t, v2]) => (v2 ? encodeMetadata(sealCode(KEY, c, t)) : `otp-v1:${c}:${String(t).padStart(13, '0')}`)),
  fc.oneof(fc.string(), junk),
);
const sessionEntry = often(
  fc.record(
    { challengeName, challengeResult: often(fc.boolean(), fc.oneof(fc.constantFrom('true', 1, null), junk)), challengeMetadata: metadata },
    { requiredKeys: ['challengeName'] },
  ),
);
const session = fc.oneof({ weight: 12, arbitrary: fc.array(sessionEntry, { maxLength: 6 }) }, { weight: 1, arbitrary: junk });
const userNotFound = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(undefined, false) },
  { weight: 2, arbitrary: fc.constant(true) },
  { weight: 1, arbitrary: junk },
);
const attributes = often(
  fc.record({ email: often(fc.emailAddress(), fc.oneof(fc.string(), junk)), name: often(fc.string(), junk) }, { requiredKeys: [] }),
);
const codeLike = often(fc.stringMatching(/^\d{4,10}$/), fc.oneof(fc.string(), junk));
const privateParams = often(
  fc.record(
    {
      salt: often(fc.stringMatching(/^[\w-]{22}$/), fc.oneof(fc.string(), junk)),
      digest: often(fc.stringMatching(/^[\w-]{43}$/), fc.oneof(fc.string(), junk)),
      expiresAt: often(fc.integer({ min: 0, max: 2 ** 48 }).map(String), fc.oneof(fc.string(), junk)),
      codeLength: often(fc.constantFrom('6', '8'), junk),
    },
    { requiredKeys: [] },
  ),
);

function event(request: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record(
        { userName: fc.oneof(fc.string(), fc.anything()), request, response: fc.anything() },
        { requiredKeys: ['request'] },
      ),
    },
    { weight: 1, arbitrary: fc.anything() },
  );
}

const defineEvents = event(fc.record({ session, userNotFound, userAttributes: attributes }, { requiredKeys: [] }));
const createEvents = event(
  fc.record(
    { session, userNotFound, userAttributes: attributes, challengeName: fc.oneof(fc.constant('CUSTOM_CHALLENGE'), challengeName) },
    { requiredKeys: [] },
  ),
);
const verifyEvents = fc.oneof(
  event(fc.record({ privateChallengeParameters: privateParams, challengeAnswer: codeLike, userNotFound }, { requiredKeys: [] })),
  // The answer is the sealed code itself (maybe padded), so the accepting path is exercised too;
  // `sealed` rides along for the property to check against (the handler ignores it).
  fc
    .tuple(fc.stringMatching(/^\d{6,10}$/), fc.integer({ min: 0, max: 2 ** 48 }), fc.constantFrom('', ' ', '\n'), userNotFound)
    .map(([code, expiresAt, pad, notFound]) => ({
      sealed: code,
      request: {
        privateChallengeParameters: sealedToParameters(sealCode(KEY, code, expiresAt)),
        challengeAnswer: pad + code + pad,
        userNotFound: notFound,
      },
    })),
);

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

describe('hostile events (property-based)', () => {
  it('define never throws and never issues tokens without our passed round as the last entry', async () => {
    const logs = captureLogs();
    const define = createDefine({ env: {}, log: logs.sink });
    const seen = { tokens: 0, fail: 0, challenge: 0 };
    await fc.assert(
      fc.asyncProperty(defineEvents, async (e) => {
        const { response } = await define(e);
        seen[response.issueTokens ? 'tokens' : response.failAuthentication ? 'fail' : 'challenge'] += 1;
        expect(response.issueTokens && response.failAuthentication).toBe(false);
        if (response.issueTokens) {
          const request = field(e, 'request');
          const s = field(request, 'session');
          const last = Array.isArray(s) ? (s.at(-1) as unknown) : undefined;
          expect(field(last, 'challengeName')).toBe('CUSTOM_CHALLENGE');
          expect(field(last, 'challengeResult')).toBe(true);
          expect([undefined, false]).toContain(field(request, 'userNotFound'));
        } else if (!response.failAuthentication) {
          expect(response.challengeName).toBe('CUSTOM_CHALLENGE');
        }
      }),
      { numRuns: RUNS },
    );
    // The generators reach every outcome, so the property is not vacuously true.
    expect(seen.tokens).toBeGreaterThan(0);
    expect(seen.fail).toBeGreaterThan(0);
    expect(seen.challenge).toBeGreaterThan(0);
  });

  it('verify never throws and accepts only the unexpired private code for a known user', async () => {
    const logs = captureLogs();
    const verify = createVerify({ env: VERIFY_ENV, now: () => NOW, log: logs.sink });
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(verifyEvents, async (e) => {
        const { response } = await verify(e);
        if (response.answerCorrect) accepted += 1;
        expect(typeof response.answerCorrect).toBe('boolean');
        if (response.answerCorrect) {
          const request = field(e, 'request');
          const params = field(request, 'privateChallengeParameters');
          const answer = field(request, 'challengeAnswer');
          expect(typeof answer === 'string' && answer.trim()).toBe(field(e, 'sealed'));
          expect(Number(field(params, 'expiresAt'))).toBeGreaterThan(NOW);
          expect([undefined, false]).toContain(field(request, 'userNotFound'));
        }
      }),
      { numRuns: RUNS },
    );
    expect(accepted).toBeGreaterThan(0);
  });

  it('verify accepts the right code whatever whitespace surrounds it', async () => {
    const verify = createVerify({ env: VERIFY_ENV, now: () => NOW, log: captureLogs().sink });
    const ws = fc.array(fc.constantFrom(' ', '\t', '\n', '\r', '\u00a0'), { maxLength: 4 }).map((a) => a.join(''));
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^\d{6,10}$/), ws, ws, async (code, before, after) => {
        const e = {
          request: { privateChallengeParameters: sealedToParameters(sealCode(KEY, code, NOW + 1)), challengeAnswer: before + code + after },
        };
        expect((await verify(e)).response.answerCorrect).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('create never throws on hostile events and never puts a code in public parameters', async () => {
    const ses = fakeSes();
    const create = createCreate({ ses, env: ENV, now: () => NOW, templates, log: captureLogs().sink, pause: noPause });
    const verify = createVerify({ env: VERIFY_ENV, now: () => NOW, log: captureLogs().sink });
    let unknownUsers = 0;
    await fc.assert(
      fc.asyncProperty(createEvents, async (e) => {
        const before = ses.calls.length;
        const { response } = await create(e);
        if (![undefined, false].includes(field(field(e, 'request'), 'userNotFound') as undefined)) unknownUsers += 1;
        expect(response.privateChallengeParameters.digest).toMatch(/^[\w-]{43}$/);
        const shown = JSON.stringify(response.publicChallengeParameters);
        expect(shown).not.toMatch(/\d{4}/);
        expect(Object.keys(response.publicChallengeParameters).sort()).toEqual(['codeLength', 'maskedEmail']);
        // At most one email, only to a found user, only with the code Verify will get.
        const sent = ses.calls.slice(before);
        expect(sent.length).toBeLessThanOrEqual(1);
        if (sent.length === 1) {
          const request = field(e, 'request');
          expect([undefined, false]).toContain(field(request, 'userNotFound'));
          expect(sent[0]?.Destination?.ToAddresses).toEqual([field(field(request, 'userAttributes'), 'email')]);
          const code = emailedCode(sent[0]);
          expect(JSON.stringify(response)).not.toContain(code);
          const judged = await verify({
            request: { privateChallengeParameters: response.privateChallengeParameters, challengeAnswer: code, userAttributes: {} },
          });
          expect(judged.response.answerCorrect).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
    expect(ses.calls.length).toBeGreaterThan(0);
    expect(unknownUsers).toBeGreaterThan(0);
  });

  it('create throws only the deliberate EmailDeliveryError when SES fails', async () => {
    const ses = fakeSes();
    ses.failWith = new Error('Throttling');
    const create = createCreate({ ses, env: ENV, now: () => NOW, templates, log: captureLogs().sink, pause: noPause });
    await fc.assert(
      fc.asyncProperty(createEvents, async (e) => {
        const before = ses.calls.length;
        try {
          await create(e);
          expect(ses.calls.length).toBe(before);
        } catch (error) {
          expect(error).toBeInstanceOf(EmailDeliveryError);
          // A real send that failed, or an unknown address failing the same way while SES is down.
          expect(ses.calls.length).toBeLessThanOrEqual(before + 1);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
