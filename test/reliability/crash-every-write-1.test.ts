import { describe, it } from 'vitest';
import { crashKit } from '../support/crash-kit.js';
import { useStackFixture } from '../support/stack-fixture.js';

// Crash at every write of a fresh up: the first half of its writes. The loop is split over two
// files so that vitest's two workers share it; test/support/crash-kit.ts has the round.

const f = useStackFixture();
const { freshUpWrites, crashRound } = crashKit(f);

describe('crash at every write (in process), first half', () => {
  it("up crashed after write N, for the first half of a fresh up's writes: up converges (one of each, state = AWS, no second write); teardown crashed after write N, then teardown: nothing left", async () => {
    const writes = await freshUpWrites();
    const half = Math.ceil(writes.up.length / 2);
    for (let n = 1; n <= half; n++) await crashRound(n, writes);
  }, 900_000);
});
