import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { formatMinutes, formatSource, renderEmail } from './shared/email.js';
import {
  CUSTOM_CHALLENGE,
  isRecord,
  isUserNotFound,
  readSession,
  requestOf,
  stringAttribute,
  withResponse,
  type TriggerResult,
} from './shared/events.js';
import type { LogSink, Logger } from './shared/logger.js';
import { maskEmail } from './shared/mask.js';
import { cryptoRandomInt, encodeMetadata, findIssuedCode, generateCode, type IssuedCode, type RandomInt } from './shared/otp.js';
import { RateLimitedError, RateLimiter, readRateLimit, type RateLimitSettings, type RateStore } from './shared/rate-limit.js';
import { prepare } from './shared/runtime.js';
import {
  ConfigError,
  isEmailAddress,
  readCodeLength,
  readSender,
  readTtlSeconds,
  type EnvSource,
  type Sender,
} from './shared/settings.js';
import { embeddedTemplates, type EmailTemplates } from './shared/templates.js';

export interface CreateAuthChallengeResponse {
  /** Sent to the client: nothing secret, only what a sign-in screen may show. */
  publicChallengeParameters: { maskedEmail: string; codeLength: string };
  /** Seen only by Verify. */
  privateChallengeParameters: { answer: string; expiresAt: string };
  challengeMetadata: string;
}

/** The one SES call we make; an SESClient satisfies it, and so does a recording fake. */
export interface SesSender {
  send(command: SendEmailCommand): Promise<unknown>;
}

export interface CreateAuthChallengeDeps {
  ses?: SesSender;
  env?: EnvSource;
  /** Epoch milliseconds. */
  now?: () => number;
  randomInt?: RandomInt;
  /** Defaults to the templates embedded at bundle time. */
  templates?: EmailTemplates;
  log?: LogSink;
  /** Waits this many milliseconds (injectable so tests need not sleep). */
  pause?: (ms: number) => Promise<void>;
  /** The rate-limit table's client (used only when RATE_LIMIT_TABLE is set). */
  rateStore?: RateStore;
}

export type CreateAuthChallengeHandler = (event: unknown) => Promise<TriggerResult<CreateAuthChallengeResponse>>;

interface Settings {
  codeLength: number;
  ttlSeconds: number;
  sender: Sender;
  templates: EmailTemplates;
  rateLimit: RateLimitSettings | undefined;
}

// Roughly an SES SendEmail round trip from Lambda, with jitter.
const UNKNOWN_USER_PAUSE_MS = 120;
const UNKNOWN_USER_JITTER_MS = 160;

/** Thrown when SES refuses the email: the sign-in must fail rather than wait for a code that never comes. */
export class EmailDeliveryError extends Error {
  override readonly name = 'EmailDeliveryError';
}

// Created once per container, outside the handler: Cognito gives a trigger 5 seconds and retries
// a slow one, and each retry of a first round emails a different code (pitfall 14). Few, short
// SDK retries keep one invocation inside that budget.
const defaultSes = new SESClient({
  // email.sesRegion: the sender is verified in SES of another region than the function's.
  ...(process.env.SES_REGION ? { region: process.env.SES_REGION } : {}),
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_500 },
});
const defaultRateStore = new DynamoDBClient({
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 1_000 },
});

export function createHandler(deps: CreateAuthChallengeDeps = {}): CreateAuthChallengeHandler {
  const ses = deps.ses ?? defaultSes;
  const rateStore = deps.rateStore ?? defaultRateStore;
  const now = deps.now ?? Date.now;
  const rand = deps.randomInt ?? cryptoRandomInt;
  const pause = deps.pause ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  const readSettings = (env: EnvSource): Settings => {
    const templates = deps.templates ?? embeddedTemplates();
    if (!templates) {
      throw new ConfigError('templates', 'no email templates: bundle with src/package/build-handlers.ts or pass `templates`');
    }
    return { codeLength: readCodeLength(env), ttlSeconds: readTtlSeconds(env), sender: readSender(env), templates, rateLimit: readRateLimit(env) };
  };

  return async (event) => {
    const { log, settings } = prepare('create-auth-challenge', deps.env ?? process.env, deps.log, readSettings);

    const request = requestOf(event);
    const session = request && readSession(request);
    const userNotFound = request ? isUserNotFound(request) : false;
    const email = request && stringAttribute(request, 'email');
    const userName = isRecord(event) && typeof event.userName === 'string' ? event.userName : undefined;

    // Reuse the first round's code and expiry: a typo must not send another email (pitfall 6).
    const previous = session ? findIssuedCode(session) : undefined;
    const issued: IssuedCode = previous ?? {
      code: generateCode(settings.codeLength, rand),
      expiresAt: now() + settings.ttlSeconds * 1000,
    };

    const malformed = !request || !session || request.challengeName !== CUSTOM_CHALLENGE;
    const deliverable = !malformed && !userNotFound && email !== undefined && isEmailAddress(email);
    const fields = { round: session ? session.length + 1 : 0, reused: previous !== undefined, userNotFound };

    // Limits apply per typed address, known or not, so they reveal nothing about accounts.
    const address = email ?? userName;
    if (settings.rateLimit && !malformed && !previous && address) {
      const limiter = new RateLimiter(rateStore, settings.rateLimit);
      try {
        await limiter.assertNotLocked(address, now());
        await limiter.consumeCode(address, now());
      } catch (error) {
        if (error instanceof RateLimitedError) log.warn('rate limited: no code sent', { ...fields, retryAfterSeconds: error.retryAfterSeconds });
        else log.error('rate-limit table unreachable: failing the sign-in', { ...fields, errorName: error instanceof Error ? error.name : 'Error' });
        throw error;
      }
    }

    if (malformed) {
      log.warn('malformed event: issuing a challenge that cannot be answered', fields);
    } else if (userNotFound) {
      // Same response shape as for a real user and no email: an unknown address must not be
      // distinguishable from a known one (pitfall 7). Verify and Define both refuse it anyway.
      log.info('unknown user: no email sent', fields);
      // A real first round waits for SES; without a comparable pause the response time alone would
      // tell an attacker which addresses have accounts.
      if (!previous) await pause(UNKNOWN_USER_PAUSE_MS + rand(UNKNOWN_USER_JITTER_MS));
    } else if (!deliverable) {
      log.error('user has no usable email attribute: no code sent', fields);
    } else if (previous) {
      log.info('wrong code earlier: reusing the code already emailed', fields);
    } else {
      await sendCode(ses, settings, email, stringAttribute(request, 'name') ?? '', issued, log);
    }

    return withResponse(event, {
      // For an unknown user Cognito sends no attributes; mask the typed user name instead so the
      // response looks the same as for a real account.
      publicChallengeParameters: { maskedEmail: maskEmail(email ?? userName), codeLength: String(issued.code.length) },
      privateChallengeParameters: { answer: issued.code, expiresAt: String(issued.expiresAt) },
      challengeMetadata: encodeMetadata(issued),
    });
  };
}

async function sendCode(
  ses: SesSender,
  settings: Settings,
  to: string,
  name: string,
  issued: IssuedCode,
  log: Logger,
): Promise<void> {
  const rendered = renderEmail(settings.templates, {
    code: issued.code,
    minutes: formatMinutes(settings.ttlSeconds),
    email: to,
    name,
  });
  const command = new SendEmailCommand({
    Source: formatSource(settings.sender),
    Destination: { ToAddresses: [to] },
    Message: {
      Subject: { Data: rendered.subject, Charset: 'UTF-8' },
      Body: {
        Text: { Data: rendered.text, Charset: 'UTF-8' },
        Html: { Data: rendered.html, Charset: 'UTF-8' },
      },
    },
  });
  try {
    await ses.send(command);
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error));
    // The guide swallowed this and left users waiting for a code that never came.
    log.error('SES SendEmail failed: failing the sign-in', {
      to: maskEmail(to),
      from: settings.sender.email,
      errorName: err.name,
      errorMessage: err.message,
    });
    throw new EmailDeliveryError(`Could not send the sign-in code email (${err.name}: ${err.message})`);
  }
  log.info('code emailed', { to: maskEmail(to) });
}

export const handler = createHandler();
