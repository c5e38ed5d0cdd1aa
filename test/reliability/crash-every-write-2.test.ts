import { describe, expect, it } from 'vitest';
import { crashAfterWrite } from '../support/crash-run.js';
import { CONFIG, crashKit } from '../support/crash-kit.js';
import { useStackFixture } from '../support/stack-fixture.js';

// Crash at every write of a fresh up: the second half of its writes. The loop is split over two
// files so that vitest's two workers share it; test/support/crash-kit.ts has the round.

const f = useStackFixture();
const { env, freshUpWrites, crashRound, teardownFinishes } = crashKit(f);

describe('crash at every write (in process), second half', () => {
  it("up crashed after write N, for the second half of a fresh up's writes: up converges (one of each, state = AWS, no second write); teardown crashed after write N, then teardown: nothing left", async () => {
    const writes = await freshUpWrites();
    const half = Math.ceil(writes.up.length / 2);
    for (let n = half + 1; n <= writes.up.length; n++) await crashRound(n, writes);
    // One write more than a fresh up makes: the run finishes, so the count is exact.
    const dir = await f.project(CONFIG);
    const whole = await crashAfterWrite(f.proxy, ['up'], writes.up.length + 1, { cwd: dir, env: env() });
    expect(whole.crashed).toBe(false);
    expect((await whole.done).code).toBe(0);
    await teardownFinishes(dir, 'after a whole up');
  }, 900_000);
});
