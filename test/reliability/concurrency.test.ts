import { spawn } from 'node:child_process';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectExactlyOneOfEach, inventory } from '../support/inventory.js';
import { useStackFixture } from '../support/stack-fixture.js';

const f = useStackFixture();

const LOCK = join('.otp-setup', 'locks', 'email-otp.us-east-1.lock');

/** The pid of a process that has exited (a run killed with SIGKILL leaves exactly that behind). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => child.on('exit', r));
  return child.pid!;
}

async function writeLock(dir: string, holder: Record<string, unknown>): Promise<string> {
  const path = join(dir, LOCK);
  await mkdir(join(dir, '.otp-setup', 'locks'), { recursive: true });
  await writeFile(path, `${JSON.stringify(holder)}\n`);
  return path;
}

describe('two runs on one stack', () => {
  it('two simultaneous ups: one waits or refuses naming the holder, and there is exactly one of each resource', async () => {
    const dir = await f.project();
    const [a, b] = await Promise.all([f.cli(dir, ['up', '--json']), f.cli(dir, ['up', '--json'])]);
    const results = [a, b];
    const ok = results.filter((r) => r.code === 0);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    for (const r of results.filter((x) => x.code !== 0)) {
      expect(r.code).toBe(1);
      expect(r.json).toMatchObject({ ok: false, error: { code: 'LOCKED' } });
      const message = (r.json!.error as { message: string }).message;
      expect(message).toMatch(/"up", pid \d+ on /);
      expect(message).toContain(hostname());
    }
    expect(expectExactlyOneOfEach(await inventory(f))).toEqual([]);
    // Whoever lost leaves the winner's lock alone, and the winner releases it.
    expect(await readdir(join(dir, '.otp-setup', 'locks'))).toEqual([]);
    // The stack is whole: a further run has nothing to do.
    f.proxy.reset();
    expect((await f.cli(dir, ['up'])).code).toBe(0);
    expect(f.proxy.writes()).toEqual([]);
  });

  it('refuses while a live process holds the lock, naming pid, host and command, and writes nothing', async () => {
    const dir = await f.project();
    // This test process is alive: a run that is still going.
    const path = await writeLock(dir, {
      pid: process.pid,
      host: hostname(),
      command: 'teardown',
      startedAt: new Date(Date.now() - 42_000).toISOString(),
    });
    const result = await f.cli(dir, ['up']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `Another otp-setup run holds the lock for this stack: "teardown", pid ${process.pid} on ${hostname()}, started`,
    );
    expect(result.stderr).toContain('[LOCKED]');
    expect(result.stderr).toContain(`delete ${path}`);
    expect(f.proxy.writes()).toEqual([]);
    // The holder's lock is left as it was.
    const { readFile } = await import('node:fs/promises');
    expect(JSON.parse(await readFile(path, 'utf8')).pid).toBe(process.pid);
  });

  it('a lock held on another host is never taken over (its pid means nothing here)', async () => {
    const dir = await f.project();
    await writeLock(dir, { pid: await deadPid(), host: 'build-agent-7', command: 'up', startedAt: new Date().toISOString() });
    const result = await f.cli(dir, ['up']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/pid \d+ on build-agent-7/);
    expect(f.proxy.writes()).toEqual([]);
  });

  it('a stale lock from a killed run (dead pid, this host) is taken over, and released afterwards', async () => {
    const dir = await f.project();
    await writeLock(dir, {
      pid: await deadPid(),
      host: hostname(),
      command: 'up',
      startedAt: new Date(Date.now() - 3_600_000).toISOString(),
    });
    const result = await f.cli(dir, ['up']);
    expect(result.code, result.stderr).toBe(0);
    expect(expectExactlyOneOfEach(await inventory(f))).toEqual([]);
    expect(await readdir(join(dir, '.otp-setup', 'locks'))).toEqual([]);
  });

  it('a garbage lock file older than a minute is stale too; a fresh one is respected', async () => {
    const dir = await f.project();
    const path = await writeLock(dir, {});
    await writeFile(path, 'garbage');
    // Fresh garbage: a holder between creating and writing the file. Wait and refuse, never steal.
    const refused = await f.cli(dir, ['up']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('[LOCKED]');
    expect(f.proxy.writes()).toEqual([]);
    const old = new Date(Date.now() - 5 * 60_000);
    await utimes(path, old, old);
    const result = await f.cli(dir, ['up']);
    expect(result.code, result.stderr).toBe(0);
    expect(await readdir(join(dir, '.otp-setup', 'locks'))).toEqual([]);
  });

  it('up and teardown at once: the stack ends either complete or empty, never half', async () => {
    const dir = await f.project();
    expect((await f.cli(dir, ['up'])).code).toBe(0);
    const [up, down] = await Promise.all([f.cli(dir, ['up']), f.cli(dir, ['teardown', '--yes'])]);
    for (const r of [up, down]) if (r.code !== 0) expect(r.stderr).toContain('[LOCKED]');
    const inv = await inventory(f);
    if (down.code === 0 && inv.pools.length === 0) {
      expect(inv.functions).toEqual([]);
      expect(inv.roles).toEqual([]);
    } else {
      expect(expectExactlyOneOfEach(inv)).toEqual([]);
    }
  });
});
