import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createHandler as createCreate, EmailDeliveryError } from '../../handlers/create-auth-challenge.js';
import { createHandler as createPreSignUp, SignUpRejected } from '../../handlers/pre-sign-up.js';
import type { EmailTemplates } from '../../handlers/shared/templates.js';
import { defaultTemplates } from '../../src/package/build-handlers.js';
import { captureLogs, ENV, fakeSes } from '../unit/handlers/support.js';

// Gaps left by test/unit/handlers/fuzz.test.ts: what reaches logs and error messages when SES
// fails, and the pre-sign-up trigger under hostile events.

let templates: EmailTemplates;
beforeAll(async () => {
  templates = await defaultTemplates();
});

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
const email = fc.oneof(fc.emailAddress(), fc.string(), fc.anything());
// Mostly Cognito-shaped first rounds (so SES is reached), with hostile values mixed in.
const createEvent = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      request: fc.record({
        challengeName: fc.constant('CUSTOM_CHALLENGE'),
        session: fc.constant([]),
        userAttributes: fc.record({ email: fc.emailAddress(), name: fc.string() }),
      }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record(
      {
        request: fc.record(
          {
            challengeName: fc.oneof(fc.constant('CUSTOM_CHALLENGE'), fc.anything()),
            userAttributes: fc.record({ email, name: fc.oneof(fc.string(), fc.anything()) }, { requiredKeys: [] }),
            session: fc.oneof(fc.constant([]), fc.anything()),
            userNotFound: fc.oneof(fc.constant(false), fc.anything()),
          },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: [] },
    ),
  },
);

describe('handlers under SES failure and hostile input (property-based)', () => {
  it('when SES fails, neither the thrown error nor any log line contains the code, and no tokens path is opened', async () => {
    const ses = fakeSes();
    const logs = captureLogs();
    const create = createCreate({ ses, env: { ...ENV, LOG_LEVEL: 'debug' }, now: () => NOW, templates, log: logs.sink });
    let failures = 0;
    await fc.assert(
      fc.asyncProperty(
        createEvent,
        fc.constantFrom('Throttling', 'MessageRejected', 'ECONNRESET', 'ServiceUnavailable'),
        async (e, name) => {
          const err = new Error(`${name}: boom`);
          err.name = name;
          ses.failWith = err;
          const before = ses.calls.length;
          const linesBefore = logs.lines.length;
          try {
            await create(e);
            expect(ses.calls.length).toBe(before); // nothing sent (unknown user or no address): fine
          } catch (thrown) {
            failures += 1;
            expect(thrown).toBeInstanceOf(EmailDeliveryError);
            const sent = ses.calls.at(-1)!;
            const code = /(\d{6,10})/.exec(sent.Message?.Body?.Text?.Data ?? '')?.[1];
            expect(code).toBeDefined();
            expect((thrown as Error).message).not.toContain(code!);
            for (const line of logs.lines.slice(linesBefore)) expect(line).not.toContain(code!);
          }
        },
      ),
      { numRuns: 300 },
    );
    expect(failures).toBeGreaterThan(0);
  });

  it('pre-sign-up never throws anything but SignUpRejected, and confirms only a well-formed address', async () => {
    const handler = createPreSignUp({ env: { ALLOWED_EMAIL_DOMAINS: 'example.com' }, log: captureLogs().sink });
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.anything(),
          fc.record(
            {
              triggerSource: fc.string(),
              request: fc.record({ userAttributes: fc.record({ email }, { requiredKeys: [] }) }, { requiredKeys: [] }),
            },
            { requiredKeys: [] },
          ),
          fc.emailAddress().map((a) => ({ request: { userAttributes: { email: a.replace(/@.*/, '@example.com') } } })),
        ),
        async (e) => {
          try {
            const { response } = await handler(e);
            accepted += 1;
            expect(response).toEqual({ autoConfirmUser: true, autoVerifyEmail: false, autoVerifyPhone: false });
            const address = (e as { request: { userAttributes: { email: string } } }).request.userAttributes.email.trim();
            expect(address.toLowerCase().endsWith('@example.com')).toBe(true);
          } catch (err) {
            expect(err).toBeInstanceOf(SignUpRejected);
          }
        },
      ),
      { numRuns: 400 },
    );
    expect(accepted).toBeGreaterThan(0);
  });
});
