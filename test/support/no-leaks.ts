import { afterAll, beforeAll, expect, vi } from 'vitest';

// A setup file of the projects whose files share a worker process (vitest.config.ts, isolate:
// false): the next file runs in the process this one leaves, so a file fails when it changed
// what every file shares.
const EVENTS = ['exit', 'beforeExit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'uncaughtException', 'unhandledRejection', 'warning'] as const;

interface Shared {
  env: Record<string, string | undefined>;
  cwd: string;
  listeners: Record<string, number>;
  fetch: typeof globalThis.fetch;
}

const snapshot = (): Shared => ({
  env: { ...process.env },
  cwd: process.cwd(),
  listeners: Object.fromEntries(EVENTS.map((e) => [e, process.listenerCount(e)])),
  fetch: globalThis.fetch,
});

let before: Shared;
beforeAll(() => {
  before = snapshot();
});
afterAll(() => {
  const after = snapshot();
  expect(after.env, 'process.env after the file').toEqual(before.env);
  expect(after.cwd, 'the working directory after the file').toBe(before.cwd);
  expect(after.listeners, 'listeners on process after the file').toEqual(before.listeners);
  expect(after.fetch === before.fetch, 'globalThis.fetch is the one the file found').toBe(true);
  expect(vi.isFakeTimers(), 'fake timers left on').toBe(false);
});
