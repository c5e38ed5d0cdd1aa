import { timingSafeEqual } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { isRecord, isUserNotFound, requestOf, stringAttribute, withResponse, type TriggerResult } from './shared/events.js';
import type { LogSink } from './shared/logger.js';
import { CODE_PATTERN } from './shared/otp.js';
import { RateLimiter, readRateLimit, type RateStore } from './shared/rate-limit.js';
import { prepare } from './shared/runtime.js';
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
}

export type VerifyAuthChallengeHandler = (event: unknown) => Promise<TriggerResult<VerifyAuthChallengeResponse>>;

type Outcome = 'correct' | 'wrong' | 'expired' | 'malformed' | 'user-not-found' | 'locked';

const defaultRateStore = new DynamoDBClient({
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 1_000 },
});

/** Far longer than any code; stops us buffering megabytes a hostile client might send. */
const MAX_ANSWER_LENGTH = 64;

/** Equal-length buffers go through timingSafeEqual; a length mismatch says nothing about the digits. */
export function codesMatch(expected: string, answer: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(answer, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

export function createHandler(deps: VerifyAuthChallengeDeps = {}): VerifyAuthChallengeHandler {
  const now = deps.now ?? Date.now;
  const rateStore = deps.rateStore ?? defaultRateStore;
  return async (event) => {
    const { log, settings: rateLimit } = prepare('verify-auth-challenge', deps.env ?? process.env, deps.log, readRateLimit);
    let outcome = judge(event, now());
    const address = addressOf(event);
    if (rateLimit && outcome !== 'malformed' && address) {
      // Wrong answers count across sign-in sessions; a locked address is refused even the right code.
      const limiter = new RateLimiter(rateStore, rateLimit);
      if ((await limiter.lockedFor(address, now())) > 0) outcome = 'locked';
      else if (outcome === 'correct') await limiter.clearFailures(address);
      else await limiter.recordFailure(address, now());
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

function judge(event: unknown, nowMs: number): Outcome {
  const request = requestOf(event);
  if (!request) return 'malformed';
  const params = request.privateChallengeParameters;
  if (!isRecord(params)) return 'malformed';
  const expected = params.answer;
  const expiresAtRaw = params.expiresAt;
  const answer = request.challengeAnswer;
  if (typeof expected !== 'string' || !CODE_PATTERN.test(expected)) return 'malformed';
  if (typeof expiresAtRaw !== 'string' || !/^\d{1,15}$/.test(expiresAtRaw)) return 'malformed';
  if (typeof answer !== 'string' || answer.length > MAX_ANSWER_LENGTH) return 'malformed';

  // Compare before looking at the user/expiry flags so every path does the same work.
  const matches = codesMatch(expected, answer.trim());
  if (isUserNotFound(request)) return 'user-not-found';
  if (nowMs >= Number(expiresAtRaw)) return 'expired';
  return matches ? 'correct' : 'wrong';
}

export const handler = createHandler();
