import { timingSafeEqual } from 'node:crypto';
import { isRecord, isUserNotFound, requestOf, withResponse, type TriggerResult } from './shared/events.js';
import type { LogSink } from './shared/logger.js';
import { CODE_PATTERN } from './shared/otp.js';
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
}

export type VerifyAuthChallengeHandler = (event: unknown) => Promise<TriggerResult<VerifyAuthChallengeResponse>>;

type Outcome = 'correct' | 'wrong' | 'expired' | 'malformed' | 'user-not-found';

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
  return async (event) => {
    const { log } = prepare('verify-auth-challenge', deps.env ?? process.env, deps.log, () => undefined);
    const outcome = judge(event, now());
    const answerCorrect = outcome === 'correct';
    if (outcome === 'malformed') log.warn('malformed event: answer rejected');
    else log.info(answerCorrect ? 'code correct' : 'code rejected', { outcome });
    return withResponse(event, { answerCorrect });
  };
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
