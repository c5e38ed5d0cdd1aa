import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { budgetFor, startDeadline } from './shared/deadline.js';
import { isRecord, isUserNotFound, requestOf, stringAttribute, withResponse, type TriggerResult } from './shared/events.js';
import type { LogSink } from './shared/logger.js';
import { redactAddresses } from './shared/mask.js';
import { answerMatches, sealedFromParameters } from './shared/otp.js';
import { RateLimiter, readRateLimit, type RateLimitSettings, type RateStore } from './shared/rate-limit.js';
import { prepare } from './shared/runtime.js';
import { readHmacKey } from './shared/secret.js';
import type { EnvSource } from './shared/settings.js';

export interface VerifyAuthChallengeResponse {
  answerCorrect: boolean;
}

export interface VerifyAuthChallengeDeps {
  env?: EnvSource;
  /** Epoch milliseconds. */
  now?: () => number;
  log?: LogSink;
  /** The rate-limit table's client (used only when RATE_LIMIT_TABLE is set). */
  rateStore?: RateStore;
  /** Total budget for the invocation's AWS calls (see shared/deadline.ts). */
  budgetMs?: number;
}

export type VerifyAuthChallengeHandler = (event: unknown, context?: unknown) => Promise<TriggerResult<VerifyAuthChallengeResponse>>;

type Outcome = 'correct' | 'wrong' | 'expired' | 'malformed' | 'user-not-found' | 'locked';

interface Settings {
  key: Buffer;
  rateLimit: RateLimitSettings | undefined;
}

/** Thrown when the rate-limit table cannot be reached: the answer is refused (fail closed). */
export class ServiceUnavailableError extends Error {
  override readonly name = 'ServiceUnavailableError';
}

const defaultRateStore = new DynamoDBClient({
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 1_000, throwOnRequestTimeout: true },
});

/** Far longer than any code; stops us hashing megabytes a hostile client might send. */
const MAX_ANSWER_LENGTH = 64;

const readSettings = (env: EnvSource): Settings => ({ key: readHmacKey(env), rateLimit: readRateLimit(env) });

export function createHandler(deps: VerifyAuthChallengeDeps = {}): VerifyAuthChallengeHandler {
  const now = deps.now ?? Date.now;
  const rateStore = deps.rateStore ?? defaultRateStore;
  return async (event, context) => {
    const { log, settings } = prepare('verify-auth-challenge', deps.env ?? process.env, deps.log, readSettings);
    let outcome = judge(settings.key, event, now());
    const address = addressOf(event);
    if (settings.rateLimit && outcome !== 'malformed' && address) {
      // Wrong answers count across sign-in sessions; a locked address is refused even the right
      // code. The lock check is part of the same conditional write that counts or clears.
      const deadline = startDeadline(deps.budgetMs ?? budgetFor(context));
      const limiter = new RateLimiter(rateStore, settings.rateLimit, deadline);
      try {
        const result = outcome === 'correct' ? await limiter.recordSuccess(address, now()) : await limiter.recordFailure(address, now());
        if (result === 'locked') outcome = 'locked';
      } catch (error) {
        log.error('rate-limit table unreachable: refusing the answer', {
          errorName: error instanceof Error ? error.name : 'Error',
          errorMessage: error instanceof Error ? redactAddresses(error.message) : undefined,
        });
        throw new ServiceUnavailableError('Sign-in is temporarily unavailable. Try again later');
      } finally {
        deadline.dispose();
      }
    }
    const answerCorrect = outcome === 'correct';
    if (outcome === 'malformed') log.warn('malformed event: answer rejected');
    else log.info(answerCorrect ? 'code correct' : 'code rejected', { outcome });
    return withResponse(event, { answerCorrect });
  };
}

function addressOf(event: unknown): string | undefined {
  const request = requestOf(event);
  const email = request ? stringAttribute(request, 'email') : undefined;
  return email ?? (isRecord(event) && typeof event.userName === 'string' ? event.userName : undefined);
}

function judge(key: Buffer, event: unknown, nowMs: number): Outcome {
  const request = requestOf(event);
  if (!request) return 'malformed';
  const params = request.privateChallengeParameters;
  if (!isRecord(params)) return 'malformed';
  const sealed = sealedFromParameters(params);
  const answer = request.challengeAnswer;
  if (!sealed) return 'malformed';
  if (typeof answer !== 'string' || answer.length > MAX_ANSWER_LENGTH) return 'malformed';

  // Compare before looking at the user/expiry flags so every path does the same work.
  const matches = answerMatches(key, sealed, answer.trim());
  if (isUserNotFound(request)) return 'user-not-found';
  if (nowMs >= sealed.expiresAt) return 'expired';
  return matches ? 'correct' : 'wrong';
}

export const handler = createHandler();
