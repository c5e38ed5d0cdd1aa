import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, writeFile, mkdir } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OtpError } from '../../../src/core/errors.js';
import { acquireLock } from '../../../src/core/lock.js';
import { StateStore } from '../../../src/core/state-store.js';
import { makeUnwritable } from '../../support/unwritable.js';

const key = { stackId: 'email-otp', region: 'us-east-1', accountId: '123456789012' };

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'otp-setup-unit-'));
}

async function expectOtpError(promise: Promise<unknown>, code: string): Promise<OtpError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(OtpError);
    expect((err as OtpError).code).toBe(code);
    return err as OtpError;
  }
  throw new Error(`expected ${code}`);
}

describe('state store', () => {
  it('starts empty, round-trips, and names the file by stack, region and account', async () => {
    const dir = await tempDir();
    const store = new StateStore(dir, key);
    expect(store.path).toBe(join(dir, '.otp-setup', 'state', 'email-otp.us-east-1.123456789012.json'));
    const state = await store.load();
    expect(state.resources).toEqual({});
    state.resources.userPoolId = 'us-east-1_abc';
    await store.save(state);
    expect((await store.load()).resources.userPoolId).toBe('us-east-1_abc');
  });

  it('writes atomically: many concurrent saves leave one complete file and no temp files', async () => {
    const dir = await tempDir();
    const store = new StateStore(dir, key);
    const state = await store.load();
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => {
        const copy = structuredClone(state);
        copy.resources.clientId = `client-${i}`.padEnd(2000, 'x');
        return store.save(copy);
      }),
    );
    const text = await readFile(store.path, 'utf8');
    expect(() => JSON.parse(text)).not.toThrow();
    expect(await readdir(join(dir, '.otp-setup', 'state'))).toEqual(['email-otp.us-east-1.123456789012.json']);
  });

  it('remove() also deletes temp files a killed run left in mid-save, and nothing else', async () => {
    const dir = await tempDir();
    const store = new StateStore(dir, key);
    await store.save(await store.load());
    const folder = join(dir, '.otp-setup', 'state');
    await writeFile(`${store.path}.4242.deadbeef.tmp`, '{"half": ');
    await writeFile(join(folder, 'other-stack.us-east-1.123456789012.json'), '{}');
    await store.remove();
    expect(await readdir(folder)).toEqual(['other-stack.us-east-1.123456789012.json']);
  });

  it('refuses a corrupt file with a clear error and leaves it untouched', async () => {
    const dir = await tempDir();
    const store = new StateStore(dir, key);
    await mkdir(join(dir, '.otp-setup', 'state'), { recursive: true });
    await writeFile(store.path, '{"version": 1, "stackId": ');
    const err = await expectOtpError(store.load(), 'STATE_CORRUPT');
    expect(err.resolution).toContain('Move it aside');
    expect(await readFile(store.path, 'utf8')).toBe('{"version": 1, "stackId": ');
    await writeFile(store.path, JSON.stringify({ version: 2 }));
    await expectOtpError(store.load(), 'STATE_CORRUPT');
  });

  it('refuses a state file of another account', async () => {
    const dir = await tempDir();
    const store = new StateStore(dir, key);
    const state = await store.load();
    await store.save({ ...state, accountId: '999999999999' });
    const err = await expectOtpError(store.load(), 'STATE_MISMATCH');
    expect(err.message).toContain('999999999999');
  });
});

describe('lock', () => {
  it('lets one run in and names the holder to the second', async () => {
    const dir = await tempDir();
    const path = join(dir, 'stack.lock');
    const first = await acquireLock(path, 'up');
    const err = await expectOtpError(acquireLock(path, 'teardown'), 'LOCKED');
    expect(err.message).toContain(`"up", pid ${process.pid} on ${hostname()}`);
    await first.release();
    const second = await acquireLock(path, 'teardown');
    await second.release();
    await expect(readdir(dir)).resolves.toEqual([]);
  });

  it('takes over a lock left by a killed process', async () => {
    const dir = await tempDir();
    const path = join(dir, 'stack.lock');
    const child = spawn(process.execPath, ['-e', '0']);
    const deadPid = await new Promise<number>((resolve) => child.on('exit', () => resolve(child.pid!)));
    await writeFile(path, JSON.stringify({ pid: deadPid, host: hostname(), command: 'up', startedAt: new Date().toISOString() }));
    const lock = await acquireLock(path, 'up');
    expect(JSON.parse(await readFile(path, 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('only one of many racing takeovers of a stale lock wins', async () => {
    const dir = await tempDir();
    const path = join(dir, 'stack.lock');
    await writeFile(path, JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), command: 'up', startedAt: new Date().toISOString() }));
    // All contenders live in this process: once one takes over, the others see a live holder.
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => acquireLock(path, 'up')));
    const winners = results.filter((r) => r.status === 'fulfilled');
    expect(winners).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as OtpError).code).toBe('LOCKED');
  });
});

describe('an unwritable state folder', () => {
  it('saving says which folder, that the AWS changes were applied, and how to recover (not INTERNAL)', async (ctx) => {
    const dir = await tempDir();
    const store = new StateStore(dir, key);
    await store.save(await store.load());
    const stateFolder = join(dir, '.otp-setup', 'state');
    const undo = await makeUnwritable(stateFolder);
    if (!undo) return ctx.skip();
    try {
      const err = await expectOtpError(store.save(await store.load()), 'STATE_UNWRITABLE');
      expect(err.message).toContain(stateFolder);
      expect(err.message).toContain('AWS changes reported above were applied');
      expect(err.resolution).toContain(`Make ${stateFolder} writable`);
      expect(err.resolution).toContain('run the same command again');
      expect(err.exitCode).toBe(1);
    } finally {
      await undo();
    }
  });

  it('taking the lock says nothing was changed', async (ctx) => {
    const dir = await tempDir();
    const undo = await makeUnwritable(dir);
    if (!undo) return ctx.skip();
    try {
      const err = await expectOtpError(acquireLock(join(dir, 'locks', 'x.lock'), 'up'), 'LOCK_UNWRITABLE');
      expect(err.message).toContain('nothing was changed');
      expect(err.message).toContain(join(dir, 'locks'));
    } finally {
      await undo();
    }
  });
});
