import { mkdtemp, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OtpError } from '../../../src/core/errors.js';
import { acquireLock } from '../../../src/core/lock.js';

// acquireLock's rules on its own (the CLI-level checks, that a refused run writes nothing to AWS,
// are in test/reliability/concurrency.test.ts). Time comes from the injected clock, never waited for.

/** A pid no process has: above Linux's largest pid_max (2^22). */
const DEAD_PID = 2 ** 22 + 4321;

async function lockPath(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'otp-setup-lock-')), 'stack.lock');
}

async function refusal(promise: Promise<unknown>): Promise<OtpError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OtpError);
  expect((err as OtpError).code).toBe('LOCKED');
  return err as OtpError;
}

describe('acquireLock', () => {
  it('refuses while a live process holds the lock, naming command, pid, host and age, and leaves the file as it was', async () => {
    const path = await lockPath();
    const holder = { pid: process.pid, host: hostname(), command: 'teardown', startedAt: '2026-01-01T10:00:00.000Z' };
    const text = `${JSON.stringify(holder)}\n`;
    await writeFile(path, text);
    const err = await refusal(acquireLock(path, 'up', () => new Date('2026-01-01T10:00:42.000Z')));
    expect(err.message).toBe(
      `Another otp-setup run holds the lock for this stack: "teardown", pid ${process.pid} on ${hostname()}, started 42s ago.`,
    );
    expect(err.resolution).toContain(`delete ${path}`);
    expect(await readFile(path, 'utf8')).toBe(text);
  });

  it('never takes over a lock held on another host: its pid means nothing here', async () => {
    const path = await lockPath();
    const text = `${JSON.stringify({ pid: DEAD_PID, host: 'build-agent-7', command: 'up', startedAt: new Date().toISOString() })}\n`;
    await writeFile(path, text);
    const err = await refusal(acquireLock(path, 'up'));
    expect(err.message).toContain(`pid ${DEAD_PID} on build-agent-7`);
    expect(await readFile(path, 'utf8')).toBe(text);
  });

  it('takes over a stale lock (dead pid, this host), then release removes it', async () => {
    const path = await lockPath();
    await writeFile(path, JSON.stringify({ pid: DEAD_PID, host: hostname(), command: 'up', startedAt: '2026-01-01T09:00:00.000Z' }));
    const lock = await acquireLock(path, 'teardown');
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname(), command: 'teardown' });
    await lock.release();
    expect(await readdir(join(path, '..'))).toEqual([]);
  });

  it('release leaves a lock another holder has taken since alone', async () => {
    const path = await lockPath();
    const lock = await acquireLock(path, 'up');
    const other = `${JSON.stringify({ pid: DEAD_PID, host: 'elsewhere', command: 'up', startedAt: new Date().toISOString() })}\n`;
    await writeFile(path, other);
    await lock.release();
    expect(await readFile(path, 'utf8')).toBe(other);
  });

  it('garbage in the lock file: respected while fresh (a holder between create and write), stale after a minute', async () => {
    const path = await lockPath();
    await writeFile(path, 'garbage');
    const written = new Date('2026-01-01T10:00:00.000Z');
    await utimes(path, written, written);
    await refusal(acquireLock(path, 'up', () => new Date(written.getTime() + 59_000)));
    expect(await readFile(path, 'utf8')).toBe('garbage');
    const lock = await acquireLock(path, 'up', () => new Date(written.getTime() + 61_000));
    expect(JSON.parse(await readFile(path, 'utf8')).pid).toBe(process.pid);
    await lock.release();
    expect(await readdir(join(path, '..'))).toEqual([]);
  });

  it('a takeover file left by a killed takeover is cleared once older than 30 s', async () => {
    const path = await lockPath();
    await writeFile(path, JSON.stringify({ pid: DEAD_PID, host: hostname(), command: 'up', startedAt: new Date().toISOString() }));
    await writeFile(`${path}.takeover`, 'left by a killed run');
    const written = new Date('2026-01-01T10:00:00.000Z');
    await utimes(`${path}.takeover`, written, written);
    const lock = await acquireLock(path, 'up', () => new Date(written.getTime() + 31_000));
    await lock.release();
    expect(await readdir(join(path, '..'))).toEqual([]);
  });
});
