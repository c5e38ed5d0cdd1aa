import { describe, expect, it } from 'vitest';
import { withBackoff } from '../../../src/core/backoff.js';

// A fake sleep records the delays instead of waiting: no test here depends on the clock's speed,
// except the budget test, which only needs time to pass while it sleeps.

function failing(times: number, error: unknown = new Error('not yet')) {
  let calls = 0;
  return {
    calls: () => calls,
    fn: async () => {
      calls += 1;
      if (calls <= times) throw error;
      return 'ok';
    },
  };
}

describe('withBackoff', () => {
  it('retries while retryable, doubling the ceiling from baseMs up to maxDelayMs, full jitter', async () => {
    const op = failing(6);
    const delays: number[] = [];
    const retries: number[] = [];
    const result = await withBackoff(op.fn, {
      retryable: () => true,
      random: () => 1,
      sleep: async (ms) => void delays.push(ms),
      onRetry: (attempt) => retries.push(attempt),
    });
    expect(result).toBe('ok');
    expect(op.calls()).toBe(7);
    expect(delays).toEqual([250, 500, 1000, 2000, 2000, 2000]);
    expect(retries).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('jitter scales the delay, never below 50 ms', async () => {
    const delays: number[] = [];
    const sleep = async (ms: number) => void delays.push(ms);
    await withBackoff(failing(2).fn, { retryable: () => true, random: () => 0.5, sleep });
    await withBackoff(failing(1).fn, { retryable: () => true, random: () => 0, sleep });
    expect(delays).toEqual([125, 250, 50]);
  });

  it('rethrows at once what is not retryable', async () => {
    const fatal = new Error('AccessDenied');
    const op = failing(5, fatal);
    let slept = 0;
    await expect(withBackoff(op.fn, { retryable: (e) => e !== fatal, sleep: async () => void (slept += 1) })).rejects.toBe(fatal);
    expect(op.calls()).toBe(1);
    expect(slept).toBe(0);
  });

  it('gives up with the last error once the next delay would pass the budget', async () => {
    const op = failing(100);
    const delays: number[] = [];
    // Each sleep "takes" its delay on a fake clock by moving Date.now forward.
    const realNow = Date.now;
    let offset = 0;
    Date.now = () => realNow() + offset;
    try {
      await expect(
        withBackoff(op.fn, {
          retryable: () => true,
          random: () => 1,
          budgetMs: 3_000,
          sleep: async (ms) => void (delays.push(ms), (offset += ms)),
        }),
      ).rejects.toThrow('not yet');
    } finally {
      Date.now = realNow;
    }
    // 250 + 500 + 1000 = 1750 ms slept; the next 2000 ms would end past 3000 ms.
    expect(delays).toEqual([250, 500, 1000]);
    expect(op.calls()).toBe(4);
  });
});
