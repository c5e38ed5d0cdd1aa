import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { budgetFor, startDeadline, type Deadline } from './shared/deadline.js';
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
import { maskEmail, redactAddresses } from './shared/mask.js';
import {
  cryptoRandomInt,
  encodeMetadata,
  findIssuedCode,
  generateCode,
  sealCode,
  sealedToParameters,
  type RandomInt,
  type SealedCode,
} from './shared/otp.js';
import { RateLimitedError, RateLimiter, readRateLimit, type RateLimitSettings, type RateStore } from './shared/rate-limit.js';
import { prepare } from './shared/runtime.js';
import { readHmacKey } from './shared/secret.js';
import { ConfigError, isEmailAddress, readCodeLength, readSender, readTtlSeconds, type EnvSource, type Sender } from './shared/settings.js';
import { embeddedTemplates, type EmailTemplates } from './shared/templates.js';

export interface CreateAuthChallengeResponse {
  /** Sent to the client: nothing secret, only what a sign-in screen may show. */
  publicChallengeParameters: { maskedEmail: string; codeLength: string };
  /** Seen only by Verify: the code's salted, keyed hash, never the code. */
  privateChallengeParameters: { salt: string; digest: string; expiresAt: string; codeLength: string };
  challengeMetadata: string;
}

/** The one SES call we make; an SESClient satisfies it, and so does a recording fake. */
export interface SesSender {
  send(command: SendEmailCommand, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
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
  /** Total budget for the invocation's AWS calls; defaults to DEFAULT_BUDGET_MS, less if Lambda has less time left. */
  budgetMs?: number;
}

export type CreateAuthChallengeHandler = (event: unknown, context?: unknown) => Promise<TriggerResult<CreateAuthChallengeResponse>>;

interface Settings {
  codeLength: number;
  ttlSeconds: number;
  sender: Sender;
  templates: EmailTemplates;
  key: Buffer;
  rateLimit: RateLimitSettings | undefined;
}

/** Thrown when SES refuses the email: the sign-in must fail rather than wait for a code that never comes. */
export class EmailDeliveryError extends Error {
  override readonly name = 'EmailDeliveryError';
}

/** Thrown when the rate-limit table cannot be reached: the limiter fails closed. */
export class ServiceUnavailableError extends Error {
  override readonly name = 'ServiceUnavailableError';
}

// What the caller sees; Cognito wraps it as "CreateAuthChallenge failed with error <message>.".
// Fixed text: SES's own message names the region, the account's sandbox/quota state and the
// recipient, and appeared only for existing accounts (an existence oracle).
export const DELIVERY_FAILED = 'Could not send the sign-in code. Try again later';
export const UNAVAILABLE = 'Sign-in is temporarily unavailable. Try again later';

// While real sends fail, unknown addresses fail the same way, or the error alone would tell which
// addresses have accounts. Per container: the signal is local, but so is an attacker's view.
const UNHEALTHY_MS = 60_000;

// Unknown users wait as long as a real send takes: a duration drawn from this container's recent
// real SES round trips (the same distribution), or, before there are any, a typical one.
const LATENCY_SAMPLES = 32;
const FALLBACK_PAUSE_MS = 120;
const FALLBACK_JITTER_MS = 160;

// Created once per container, outside the handler. Every call also runs under the invocation's
// deadline (shared/deadline.ts): Cognito gives a trigger 5 seconds and retries a slow one, and each
// retry of a first round emails a different code. SES gets one attempt: a retry
// could deliver twice.
const defaultSes = new SESClient({
  // email.sesRegion: the sender is verified in SES of another region than the function's.
  ...(process.env.SES_REGION ? { region: process.env.SES_REGION } : {}),
  maxAttempts: 1,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_500, throwOnRequestTimeout: true },
});
const defaultRateStore = new DynamoDBClient({
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 1_000, throwOnRequestTimeout: true },
});

export function createHandler(deps: CreateAuthChallengeDeps = {}): CreateAuthChallengeHandler {
  const ses = deps.ses ?? defaultSes;
  const rateStore = deps.rateStore ?? defaultRateStore;
  const now = deps.now ?? Date.now;
  const rand = deps.randomInt ?? cryptoRandomInt;
  const pause = deps.pause ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const latencies: number[] = [];
  let unhealthyUntil = 0;

  const readSettings = (env: EnvSource): Settings => {
    const templates = deps.templates ?? embeddedTemplates();
    if (!templates) {
      throw new ConfigError('templates', 'no email templates: bundle with src/package/build-handlers.ts or pass `templates`');
    }
    return {
      codeLength: readCodeLength(env),
      ttlSeconds: readTtlSeconds(env),
      sender: readSender(env),
      templates,
      key: readHmacKey(env),
      rateLimit: readRateLimit(env),
    };
  };

  const unknownUserPause = (): number => {
    if (latencies.length === 0) return FALLBACK_PAUSE_MS + rand(FALLBACK_JITTER_MS);
    return latencies[rand(latencies.length)] ?? FALLBACK_PAUSE_MS;
  };

  const send = async (deadline: Deadline, settings: Settings, to: string, name: string, code: string, log: Logger): Promise<void> => {
    const started = now();
    try {
      await sendCode(ses, deadline, settings, to, name, code);
    } catch (error) {
      unhealthyUntil = now() + UNHEALTHY_MS;
      const err = error instanceof Error ? error : new Error(String(error));
      // The guide swallowed this and left users waiting for a code that never came.
      log.error('SES SendEmail failed: failing the sign-in', {
        to: maskEmail(to),
        from: settings.sender.email,
        errorName: err.name,
        errorMessage: redactAddresses(err.message),
      });
      throw new EmailDeliveryError(DELIVERY_FAILED);
    }
    latencies.push(now() - started);
    if (latencies.length > LATENCY_SAMPLES) latencies.shift();
    log.info('code emailed', { to: maskEmail(to) });
  };

  return async (event, context) => {
    const { log, settings } = prepare('create-auth-challenge', deps.env ?? process.env, deps.log, readSettings);
    const deadline = startDeadline(deps.budgetMs ?? budgetFor(context));
    try {
      const request = requestOf(event);
      const session = request && readSession(request);
      const userNotFound = request ? isUserNotFound(request) : false;
      const email = request && stringAttribute(request, 'email');
      const userName = isRecord(event) && typeof event.userName === 'string' ? event.userName : undefined;

      // Reuse the first round's code and expiry: Create runs for every round, and a typo must not send another email.
      const previous = session ? findIssuedCode(session) : undefined;
      const code = previous ? undefined : generateCode(settings.codeLength, rand);
      const sealed: SealedCode = previous ?? sealCode(settings.key, code ?? '', now() + settings.ttlSeconds * 1000);

      const malformed = !request || !session || request.challengeName !== CUSTOM_CHALLENGE;
      const deliverable = !malformed && !userNotFound && email !== undefined && isEmailAddress(email);
      const fields = { round: session ? session.length + 1 : 0, reused: previous !== undefined, userNotFound };

      // Limits apply per typed address, known or not, so they reveal nothing about accounts.
      const address = email ?? userName;
      if (settings.rateLimit && !malformed && !previous && address) {
        await applyLimits(new RateLimiter(rateStore, settings.rateLimit, deadline), address, now(), log, fields);
      }

      if (malformed) {
        log.warn('malformed event: issuing a challenge that cannot be answered', fields);
      } else if (userNotFound) {
        // Same response shape as for a real user and no email: an unknown address must not be
        // distinguishable from a known one (PreventUserExistenceErrors). Verify and Define both refuse it anyway.
        log.info('unknown user: no email sent', fields);
        if (!previous && now() < unhealthyUntil) {
          log.warn('recent SES failures: failing the unknown address the same way', fields);
          throw new EmailDeliveryError(DELIVERY_FAILED);
        }
        if (!previous) await pause(unknownUserPause());
      } else if (!deliverable) {
        log.error('user has no usable email attribute: no code sent', fields);
      } else if (previous) {
        log.info('wrong code earlier: reusing the code already emailed', fields);
      } else {
        await send(deadline, settings, email, stringAttribute(request, 'name') ?? '', code ?? '', log);
      }

      return withResponse(event, {
        // For an unknown user Cognito sends no attributes; mask the typed user name instead, in
        // one spelling for both, so the letter case cannot tell a stored address from a typed one.
        publicChallengeParameters: { maskedEmail: maskEmail((email ?? userName)?.trim().toLowerCase()), codeLength: String(sealed.length) },
        privateChallengeParameters: sealedToParameters(sealed),
        challengeMetadata: encodeMetadata(sealed),
      });
    } finally {
      deadline.dispose();
    }
  };
}

async function applyLimits(
  limiter: RateLimiter,
  address: string,
  nowMs: number,
  log: Logger,
  fields: Record<string, string | number | boolean>,
): Promise<void> {
  try {
    await limiter.assertNotLocked(address, nowMs);
    await limiter.consumeCode(address, nowMs);
    await limiter.consumeDailyCode(address, nowMs);
    await limiter.consumeEmailBudget(nowMs);
  } catch (error) {
    if (error instanceof RateLimitedError) {
      // The budget is the pool's, not the address's: an operator must hear of it (metric filter).
      if (error.limit === 'email-budget') log.error('daily email budget spent: no code sent', { ...fields, limit: error.limit });
      else log.warn('rate limited: no code sent', { ...fields, limit: error.limit, retryAfterSeconds: error.retryAfterSeconds ?? null });
      throw error;
    }
    log.error('rate-limit table unreachable: failing the sign-in', {
      ...fields,
      errorName: error instanceof Error ? error.name : 'Error',
      errorMessage: error instanceof Error ? redactAddresses(error.message) : undefined,
    });
    throw new ServiceUnavailableError(UNAVAILABLE);
  }
}

async function sendCode(ses: SesSender, deadline: Deadline, settings: Settings, to: string, name: string, code: string): Promise<void> {
  const rendered = renderEmail(settings.templates, {
    code,
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
  await deadline.run((abortSignal) => ses.send(command, { abortSignal }));
}

export const handler = createHandler();
