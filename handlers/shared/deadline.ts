/**
 * One total time budget per invocation, shared by every SDK call in it, retries included.
 *
 * Cognito waits 5 seconds for a trigger and then retries it
 * (https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-working-with-lambda-triggers.html); a retried first round of
 * Create emails a second, different code. The SDK's own `requestTimeout` does not help: without
 * `throwOnRequestTimeout` (@smithy/node-http-handler 4.x) it only logs a warning, and it applies
 * per attempt. So each call gets the invocation's AbortSignal (which tears the socket down) and
 * is also raced against it, so a call that ignores the signal cannot hold the invocation past
 * its budget either.
 */
export class DeadlineExceededError extends Error {
  override readonly name = 'DeadlineExceededError';
}

export interface Deadline {
  readonly signal: AbortSignal;
  /** Runs one call under the budget; rejects with DeadlineExceededError when the budget runs out first. */
  run<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T>;
  /** Clears the timer; call when the invocation ends. */
  dispose(): void;
}

/** Well under Cognito's 5 s, leaving room for a cold start and the response. */
export const DEFAULT_BUDGET_MS = 3_500;
const MARGIN_MS = 500;

/** The budget for this invocation: the default, or less when Lambda says less time is left. */
export function budgetFor(context: unknown, cap = DEFAULT_BUDGET_MS): number {
  const remaining =
    typeof context === 'object' &&
    context !== null &&
    typeof (context as { getRemainingTimeInMillis?: unknown }).getRemainingTimeInMillis === 'function'
      ? Number((context as { getRemainingTimeInMillis: () => unknown }).getRemainingTimeInMillis())
      : Number.NaN;
  return Number.isFinite(remaining) ? Math.max(1, Math.min(cap, remaining - MARGIN_MS)) : cap;
}

export function startDeadline(budgetMs: number): Deadline {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DeadlineExceededError(`gave up after ${budgetMs} ms`)), budgetMs);
  const expired = new Promise<never>((_resolve, reject) => {
    const fail = () => reject(new DeadlineExceededError(`gave up after ${budgetMs} ms`));
    if (controller.signal.aborted) fail();
    else controller.signal.addEventListener('abort', fail, { once: true });
  });
  expired.catch(() => undefined);
  return {
    signal: controller.signal,
    run: (call) => {
      if (controller.signal.aborted) return Promise.reject(new DeadlineExceededError(`gave up after ${budgetMs} ms`));
      return Promise.race([call(controller.signal), expired]);
    },
    dispose: () => clearTimeout(timer),
  };
}
