import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createHandler as createCreate,
  DELIVERY_FAILED,
  EmailDeliveryError,
  ServiceUnavailableError,
} from '../../../handlers/create-auth-challenge.js';
import { budgetFor } from '../../../handlers/shared/deadline.js';
import { renderEmail } from '../../../handlers/shared/email.js';
import { addressKey, RateLimitedError, RateLimiter, type RateLimitSettings } from '../../../handlers/shared/rate-limit.js';
import type { EmailTemplates } from '../../../handlers/shared/templates.js';
import { createHandler as createVerify } from '../../../handlers/verify-auth-challenge.js';
import { defaultTemplates } from '../../../src/package/build-handlers.js';
import { liteRateStore } from '../../support/lite-rate-store.js';
import { captureLogs, clock, createEvent, emailedCode, ENV, fakeSes, HMAC_KEY, noPause, verifyEvent } from './support.js';

let templates: EmailTemplates;
beforeAll(async () => {
  templates = await defaultTemplates();
});

const KEY = Buffer.from(HMAC_KEY, 'base64url');
const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const LIMITS = {
  RATE_LIMIT_TABLE: 'limits',
  RATE_LIMIT_CODES: '5',
  RATE_LIMIT_WINDOW_SECONDS: '900',
  RATE_LIMIT_FAILURES: '3',
  RATE_LIMIT_LOCKOUT_SECONDS: '900',
  RATE_LIMIT_FAILURE_CEILING: '9',
};
const settings: RateLimitSettings = {
  table: 'limits',
  key: KEY,
  codesPerWindow: 5,
  windowSeconds: 900,
  maxFailures: 3,
  lockoutSeconds: 900,
  failureCeiling: 9,
  codesPerDay: 20,
  dailyEmailBudget: 0,
};

/** A promise that never settles, whatever signal it is given: the worst a hung SDK call can do. */
const hung = () => new Promise<never>(() => undefined);

describe('no existence oracle', () => {
  it('maskedEmail does not depend on whether the typed spelling matches a stored address', async () => {
    const create = createCreate({ ses: fakeSes(), env: ENV, templates, log: () => undefined, pause: noPause });
    const known = await create({ ...createEvent([], { userAttributes: { email: 'victim@example.com' } }), userName: 'VICTIM@EXAMPLE.COM' });
    const unknown = await create({ ...createEvent([], { userNotFound: true, userAttributes: {} }), userName: 'NOBODY@EXAMPLE.COM' });
    expect(known.response.publicChallengeParameters.maskedEmail).toBe('v***@e***.com');
    expect(unknown.response.publicChallengeParameters.maskedEmail).toBe('n***@e***.com');
  });

  it('while SES is failing, an unknown address fails with the same generic error as a real one', async () => {
    const ses = fakeSes();
    const logs = captureLogs();
    const create = createCreate({ ses, env: ENV, templates, log: logs.sink, pause: noPause });
    ses.failWith = Object.assign(new Error('Sending paused for this account. victim@example.com'), {
      name: 'AccountSendingPausedException',
    });
    const real = await create(createEvent([])).catch((e: unknown) => e);
    const ghost = await create(createEvent([], { userNotFound: true, userAttributes: {} })).catch((e: unknown) => e);
    for (const err of [real, ghost]) {
      expect(err).toBeInstanceOf(EmailDeliveryError);
      expect((err as Error).message).toBe(DELIVERY_FAILED);
    }
    expect(logs.lines.join('\n')).not.toContain('victim@example.com');
  });
});

describe("deadlines: a hung AWS call cannot hold a trigger past Cognito's 5 seconds", () => {
  it('budget: at most 3.5 s, less when Lambda has less time left', () => {
    expect(budgetFor(undefined)).toBe(3_500);
    expect(budgetFor({ getRemainingTimeInMillis: () => 5_000 })).toBe(3_500);
    expect(budgetFor({ getRemainingTimeInMillis: () => 1_000 })).toBe(500);
  });

  it('a hung SES send ends, aborted, with the generic error', async () => {
    const signals: AbortSignal[] = [];
    const ses = { send: (_c: unknown, o?: { abortSignal?: AbortSignal }) => (o?.abortSignal && signals.push(o.abortSignal), hung()) };
    const create = createCreate({ ses, env: ENV, templates, log: () => undefined, pause: noPause });
    // Lambda says 550 ms are left: the budget is 50 ms.
    const err = await create(createEvent([]), { getRemainingTimeInMillis: () => 550 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EmailDeliveryError);
    expect((err as Error).message).toBe(DELIVERY_FAILED);
    expect(signals).toHaveLength(1);
    expect(signals[0]?.aborted).toBe(true);
  });

  it('a hung rate-limit table ends Create and Verify with a generic error', async () => {
    const store = { send: () => hung() };
    const create = createCreate({
      ses: fakeSes(),
      env: { ...ENV, ...LIMITS },
      rateStore: store,
      templates,
      log: () => undefined,
      pause: noPause,
      budgetMs: 30,
    });
    const c = await create(createEvent([])).catch((e: unknown) => e);
    expect(c).toBeInstanceOf(ServiceUnavailableError);
    expect((c as Error).message).toBe('Sign-in is temporarily unavailable. Try again later');
    const verify = createVerify({ env: { ...ENV, ...LIMITS }, rateStore: store, log: () => undefined, budgetMs: 30 });
    const v = await verify(verifyEvent({ salt: 'a'.repeat(22), digest: 'b'.repeat(43), expiresAt: '1', codeLength: '6' }, '123456')).catch(
      (e: unknown) => e,
    );
    expect((v as Error).message).toBe('Sign-in is temporarily unavailable. Try again later');
  });

  it('DynamoDB error text stays in the logs (addresses masked), never reaches the caller', async () => {
    const logs = captureLogs();
    const store = {
      send: async () =>
        Promise.reject(
          Object.assign(new Error('User: arn:aws:sts::1:assumed-role/x is not authorized for victim@example.com'), {
            name: 'AccessDeniedException',
          }),
        ),
    };
    const create = createCreate({
      ses: fakeSes(),
      env: { ...ENV, ...LIMITS },
      rateStore: store,
      templates,
      log: logs.sink,
      pause: noPause,
    });
    const err = await create(createEvent([])).catch((e: unknown) => e);
    expect((err as Error).message).not.toMatch(/arn|AccessDenied|victim/);
    expect(logs.records().at(-1)).toMatchObject({
      level: 'error',
      errorName: 'AccessDeniedException',
      errorMessage: expect.stringContaining('v***@e***.com'),
    });
  });
});

describe('templates', () => {
  const t = {
    subject: 'Hi {{name}}',
    text: 'Hi {{name}}: {{code}}',
    html: '<a href="https://app.example/in?u={{email}}">{{email}}</a> {{name}}',
  };

  it('strips bidi, zero-width and line-separator characters from name, and caps its length', () => {
    const out = renderEmail(t, {
      code: '1',
      minutes: '3',
      email: 'a@b.co',
      name: `Eve\u202Egnp.exe\u2028Call\u200B +1-555\u0085${'x'.repeat(200)}`,
    });
    expect(out.subject).not.toMatch(/[\u202E\u2028\u200B\u0085]/u);
    expect(out.text).not.toMatch(/[\u202E\u2028\u200B\u0085]/u);
    const name = out.text.slice('Hi '.length, out.text.indexOf(': 1'));
    expect(Array.from(name).length).toBeLessThanOrEqual(64);
  });

  it('URL-encodes {{email}} inside a link, HTML-escapes it elsewhere', () => {
    const out = renderEmail(t, { code: '1', minutes: '3', email: "a&b=c'#x@example.com", name: '' });
    expect(out.html).toContain('href="https://app.example/in?u=a%26b%3Dc\'%23x%40example.com"'.replace("'", '&#39;'));
    expect(out.html).toContain('>a&amp;b=c&#39;#x@example.com</a>');
  });
});

describe('rate limiter: escalating lockouts, a ceiling, keyed addresses', () => {
  const limited = async (p: Promise<unknown>): Promise<RateLimitedError> => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RateLimitedError);
    return err as RateLimitedError;
  };

  it('each further lockout in a run of failures lasts twice as long; waiting does not reset the count', async () => {
    const l = new RateLimiter(liteRateStore(), settings);
    let t = T0;
    const durations: number[] = [];
    for (let lock = 0; lock < 2; lock++) {
      for (let i = 0; i < 3; i++) expect(await l.recordFailure('a@example.com', (t += 1000))).toBe('counted');
      durations.push(await l.lockedFor('a@example.com', t));
      expect(await l.recordFailure('a@example.com', t)).toBe('locked');
      t += durations.at(-1)! * 1000;
    }
    expect(durations).toEqual([900, 1800]);
  });

  it('the ceiling locks until an unlock; a correct code is refused meanwhile; unlock reopens', async () => {
    const l = new RateLimiter(liteRateStore(), settings);
    let t = T0;
    for (let n = 0; n < 9;) {
      const wait = await l.lockedFor('c@example.com', t);
      if (wait > 0) t += wait * 1000;
      else if ((await l.recordFailure('c@example.com', (t += 1000))) === 'counted') n++;
    }
    expect(await l.lockedFor('c@example.com', t + 365 * 86_400_000)).toBe(Number.POSITIVE_INFINITY);
    const err = await limited(l.assertNotLocked('c@example.com', t + 365 * 86_400_000));
    expect(err.limit).toBe('ceiling');
    expect(err.message).toContain('until an administrator unlocks it');
    expect(await l.recordSuccess('c@example.com', t + 1)).toBe('locked');
    await l.clearFailures('c@example.com');
    expect(await l.lockedFor('c@example.com', t)).toBe(0);
    expect(await l.recordSuccess('c@example.com', t)).toBe('cleared');
  });

  it('only a correct code resets the run', async () => {
    const l = new RateLimiter(liteRateStore(), settings);
    await l.recordFailure('d@example.com', T0);
    await l.recordFailure('d@example.com', T0);
    expect(await l.recordSuccess('d@example.com', T0)).toBe('cleared');
    await l.recordFailure('d@example.com', T0);
    await l.recordFailure('d@example.com', T0);
    expect(await l.lockedFor('d@example.com', T0)).toBe(0);
  });

  it('caps codes per address per day and emails per pool per day', async () => {
    const l = new RateLimiter(liteRateStore(), { ...settings, codesPerDay: 2, dailyEmailBudget: 3 });
    await l.consumeDailyCode('e@example.com', T0);
    await l.consumeDailyCode('e@example.com', T0 + 1);
    expect((await limited(l.consumeDailyCode('E@example.com', T0 + 2))).limit).toBe('codes-per-day');
    await l.consumeDailyCode('e@example.com', T0 + 86_400_000);
    for (let i = 0; i < 3; i++) await l.consumeEmailBudget(T0);
    const err = await limited(l.consumeEmailBudget(T0));
    expect(err.limit).toBe('email-budget');
    expect(err.message).toBe('Sign-in codes are paused: the service has sent its email limit for today. Try again later');
  });

  it('Create fails closed past the pool budget, for known and unknown addresses, and logs an error', async () => {
    const ses = fakeSes();
    const logs = captureLogs();
    const time = clock(T0);
    const create = createCreate({
      ses,
      env: { ...ENV, ...LIMITS, RATE_LIMIT_DAILY_EMAILS: '2' },
      rateStore: liteRateStore(),
      templates,
      now: time.now,
      log: logs.sink,
      pause: noPause,
    });
    await create(createEvent([], { userAttributes: { email: 'one@example.com' } }));
    await create(createEvent([], { userNotFound: true, userAttributes: {} }));
    await expect(create(createEvent([], { userAttributes: { email: 'three@example.com' } }))).rejects.toThrow(/paused/);
    expect(ses.calls).toHaveLength(1);
    expect(logs.records().at(-1)).toMatchObject({ level: 'error', msg: 'daily email budget spent: no code sent', limit: 'email-budget' });
  });

  it('addresses are stored as HMACs under the stack key, not as plain hashes', async () => {
    const store = liteRateStore();
    await new RateLimiter(store, settings).recordFailure('f@example.com', T0);
    const stored = JSON.stringify(store.tables);
    const plain = createHash('sha256').update('f@example.com').digest('hex').slice(0, 40);
    expect(stored).not.toContain(plain);
    expect(stored).toContain(addressKey(KEY, ' F@Example.com '));
    expect(addressKey(Buffer.alloc(32, 9), 'f@example.com')).not.toBe(addressKey(KEY, 'f@example.com'));
  });

  it('parallel wrong answers cannot all be judged before the lockout lands', async () => {
    const store = liteRateStore();
    const verify = createVerify({ env: { ...ENV, ...LIMITS }, rateStore: store, now: () => T0, log: () => undefined });
    const ses = fakeSes();
    const create = createCreate({
      ses,
      env: { ...ENV, ...LIMITS },
      rateStore: store,
      templates,
      now: () => T0,
      log: () => undefined,
      pause: noPause,
    });
    const { response } = await create(createEvent([]));
    const wrong = String((Number(emailedCode(ses.calls[0])) + 1) % 1_000_000).padStart(6, '0');
    await Promise.all(Array.from({ length: 10 }, () => verify(verifyEvent(response.privateChallengeParameters, wrong))));
    const failures = Object.values(store.tables.limits ?? {}).find((item) => String(item.pk?.S).startsWith('failures#'));
    expect(Number(failures?.count?.N)).toBe(3);
  });
});
