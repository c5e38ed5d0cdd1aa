import type { SendEmailCommand, SendEmailCommandInput } from '@aws-sdk/client-ses';
import type { CreateAuthChallengeHandler, CreateAuthChallengeResponse } from '../../../handlers/create-auth-challenge.js';
import type { DefineAuthChallengeHandler } from '../../../handlers/define-auth-challenge.js';
import type { LogLevel, LogSink } from '../../../handlers/shared/logger.js';
import type { VerifyAuthChallengeHandler } from '../../../handlers/verify-auth-challenge.js';

// Event shapes follow the Cognito developer guide ("Define/Create/Verify Auth challenge Lambda
// trigger", "Pre sign-up Lambda trigger"): common parameters plus request/response.

export const USER = { sub: '7f1c5a3e-0000-4000-8000-000000000001', email: 'jane.doe@example.com', name: 'Jane <b>Doe</b>' };

export interface SessionEntryInput {
  challengeName: string;
  challengeResult: unknown;
  challengeMetadata?: unknown;
}

function common(triggerSource: string) {
  return {
    version: '1',
    region: 'us-east-1',
    userPoolId: 'us-east-1_AbCdEfGhI',
    userName: USER.sub,
    callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: '1example23456789' },
    triggerSource,
  };
}

export function defineEvent(session: SessionEntryInput[], opts: { userNotFound?: unknown } = {}) {
  return {
    ...common('DefineAuthChallenge_Authentication'),
    request: {
      userAttributes: { sub: USER.sub, email: USER.email, email_verified: 'false', 'cognito:user_status': 'CONFIRMED' },
      session,
      ...('userNotFound' in opts ? { userNotFound: opts.userNotFound } : {}),
    },
    response: { challengeName: null, issueTokens: null, failAuthentication: null },
  };
}

export function createEvent(
  session: SessionEntryInput[],
  opts: { userNotFound?: boolean; userAttributes?: Record<string, string>; challengeName?: string } = {},
) {
  return {
    ...common('CreateAuthChallenge_Authentication'),
    request: {
      userAttributes: opts.userAttributes ?? { sub: USER.sub, email: USER.email, name: USER.name },
      challengeName: opts.challengeName ?? 'CUSTOM_CHALLENGE',
      session,
      ...(opts.userNotFound !== undefined ? { userNotFound: opts.userNotFound } : {}),
    },
    response: { publicChallengeParameters: null, privateChallengeParameters: null, challengeMetadata: null },
  };
}

export function verifyEvent(privateChallengeParameters: unknown, challengeAnswer: unknown, opts: { userNotFound?: boolean } = {}) {
  return {
    ...common('VerifyAuthChallengeResponse_Authentication'),
    request: {
      userAttributes: { sub: USER.sub, email: USER.email },
      privateChallengeParameters,
      challengeAnswer,
      ...(opts.userNotFound !== undefined ? { userNotFound: opts.userNotFound } : {}),
    },
    response: { answerCorrect: null },
  };
}

export function preSignUpEvent(userAttributes: Record<string, string>, triggerSource = 'PreSignUp_SignUp') {
  return {
    ...common(triggerSource),
    userName: userAttributes.email ?? 'someone',
    request: { userAttributes, validationData: null, clientMetadata: {} },
    response: { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false },
  };
}

export interface FakeSes {
  send(command: SendEmailCommand): Promise<unknown>;
  calls: SendEmailCommandInput[];
  failWith: Error | undefined;
}

export function fakeSes(): FakeSes {
  const ses: FakeSes = {
    calls: [],
    failWith: undefined,
    async send(command) {
      ses.calls.push(command.input);
      if (ses.failWith) throw ses.failWith;
      return { MessageId: `msg-${ses.calls.length}` };
    },
  };
  return ses;
}

export function emailedCode(input: SendEmailCommandInput | undefined): string {
  const text = input?.Message?.Body?.Text?.Data ?? '';
  const match = /code is: (\d+)/.exec(text);
  if (!match?.[1]) throw new Error(`no code in email text: ${text}`);
  return match[1];
}

export interface LogCapture {
  sink: LogSink;
  lines: string[];
  records: () => Array<Record<string, unknown> & { level: LogLevel; msg: string }>;
}

export function captureLogs(): LogCapture {
  const lines: string[] = [];
  return {
    lines,
    sink: (_level, line) => lines.push(line),
    records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown> & { level: LogLevel; msg: string }),
  };
}

/** A fixed stack secret for tests (32 bytes, base64url), as `up` puts it in OTP_HMAC_KEY. */
export const HMAC_KEY = Buffer.alloc(32, 7).toString('base64url');

export const ENV = { FROM_EMAIL: 'noreply@example.com', FROM_NAME: 'Example App', LOG_LEVEL: 'debug', OTP_HMAC_KEY: HMAC_KEY } as const;

/** A clock the test moves by hand. */
export function clock(start = Date.UTC(2025, 0, 15, 12, 0, 0)) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

export interface Triggers {
  define: DefineAuthChallengeHandler;
  create: CreateAuthChallengeHandler;
  verify: VerifyAuthChallengeHandler;
}

export interface FlowResult {
  outcome: 'tokens' | 'failed';
  rounds: number;
  publicParameters: CreateAuthChallengeResponse['publicChallengeParameters'][];
}

/**
 * Cognito's CUSTOM_AUTH loop as documented: Define → (Create → client answers → Verify → the
 * round is appended to session[]) → Define …, until Define issues tokens or fails.
 */
export async function runFlow(
  triggers: Triggers,
  answer: (round: number) => string,
  opts: { userNotFound?: boolean } = {},
): Promise<FlowResult> {
  const session: SessionEntryInput[] = [];
  const publicParameters: FlowResult['publicParameters'] = [];
  for (let guard = 0; guard < 50; guard++) {
    const defined = await triggers.define(defineEvent(session, opts.userNotFound !== undefined ? { userNotFound: opts.userNotFound } : {}));
    const { issueTokens, failAuthentication, challengeName } = defined.response;
    if (issueTokens) return { outcome: 'tokens', rounds: session.length, publicParameters };
    if (failAuthentication) return { outcome: 'failed', rounds: session.length, publicParameters };
    if (challengeName !== 'CUSTOM_CHALLENGE') throw new Error('define returned neither tokens, failure nor a challenge');
    const created = await triggers.create(createEvent(session, { userNotFound: opts.userNotFound }));
    publicParameters.push(created.response.publicChallengeParameters);
    const verified = await triggers.verify(
      verifyEvent(created.response.privateChallengeParameters, answer(session.length + 1), { userNotFound: opts.userNotFound }),
    );
    session.push({
      challengeName: 'CUSTOM_CHALLENGE',
      challengeResult: verified.response.answerCorrect,
      challengeMetadata: created.response.challengeMetadata,
    });
  }
  throw new Error('flow did not terminate');
}

/** The unknown-user pause of create-auth-challenge, without the wait. */
export const noPause = async (): Promise<void> => undefined;
