// Retries an operation while `retryable(err)` holds, with exponential backoff and full jitter.
// For AWS's eventual consistency (a new IAM role not yet assumable by Lambda), which the SDK's
// own retry strategy does not treat as transient. Throttling and 5xx are left to the SDK.

export interface BackoffOptions {
  retryable: (err: unknown) => boolean;
  /** Total time budget in ms (IAM usually propagates within 10 s; AWS documents "up to minutes"). */
  budgetMs?: number;
  baseMs?: number;
  maxDelayMs?: number;
  onRetry?: (attempt: number, delayMs: number, err: unknown) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export async function withBackoff<T>(fn: () => Promise<T>, options: BackoffOptions): Promise<T> {
  // A 2 s cap: once IAM has propagated the next attempt comes at most 2 s late (an 8 s cap
  // measured up to 8 s of idle waiting after the role became usable); four functions retrying
  // about once a second stay far below Lambda's 15 control-plane requests per second.
  // https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
  const { budgetMs = 90_000, baseMs = 250, maxDelayMs = 2_000 } = options;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  // Jitter only spreads retries out; it needs no cryptographic randomness.
  const random = options.random ?? (() => Number(process.hrtime.bigint() % 1000n) / 1000);
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const ceiling = Math.min(maxDelayMs, baseMs * 2 ** (attempt - 1));
      const delay = Math.max(50, Math.round(ceiling * random()));
      if (!options.retryable(err) || Date.now() - started + delay > budgetMs) throw err;
      options.onRetry?.(attempt, delay, err);
      await sleep(delay);
    }
  }
}
