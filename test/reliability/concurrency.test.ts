import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliResult } from '../support/cli.js';
import { runInProcess } from '../support/in-process.js';
import { expectExactlyOneOfEach, inventory, isEmpty } from '../support/inventory.js';
import { motoEnv } from '../support/moto.js';
import { useStackFixture } from '../support/stack-fixture.js';

// Two runs on one stack, in this process through main(argv, deps): the lock is a file, so two
// runs here contend for it exactly as two processes would (both name this process's pid, which
// is alive). The lock's own rules (stale, other host, garbage) are unit tests: test/unit/core/lock.test.ts.

const f = useStackFixture();

const LOCK = join('.otp-setup', 'locks', 'email-otp.us-east-1.lock');

const run = (dir: string, args: string[]) => runInProcess(args, { cwd: dir, env: motoEnv(f.proxy.url) });

/**
 * Starts both runs at once and holds AWS's answer to the first write (made by whichever run took
 * the lock) until the other run has returned: the other run meets a held lock whatever the
 * machine's speed, instead of possibly starting after the first one finished.
 */
async function atOnce(dir: string, a: string[], b: string[]): Promise<[CliResult, CliResult]> {
  let oneReturned: () => void = () => undefined;
  const returned = new Promise<void>((resolve) => (oneReturned = resolve));
  let held = false;
  f.proxy.onResponse = async (call) => {
    if (!call.write || held) return;
    held = true;
    await returned;
  };
  const runs = [run(dir, a), run(dir, b)] as const;
  for (const r of runs) void r.then(oneReturned);
  const results = await Promise.all(runs);
  delete f.proxy.onResponse;
  expect(held, 'a write was held').toBe(true);
  return results;
}

describe('two runs on one stack', () => {
  it('two simultaneous ups: one refuses naming the holder, and there is exactly one of each resource', async () => {
    const dir = await f.project();
    const results = await atOnce(dir, ['up', '--json'], ['up', '--json']);
    expect(results.map((r) => r.code).sort()).toEqual([0, 1]);
    const loser = results.find((r) => r.code !== 0)!;
    expect(loser.json).toMatchObject({ ok: false, error: { code: 'LOCKED' } });
    const message = (loser.json!.error as { message: string }).message;
    expect(message).toContain(`"up", pid ${process.pid} on ${hostname()}`);
    expect(expectExactlyOneOfEach(await inventory(f))).toEqual([]);
    // Whoever lost leaves the winner's lock alone, and the winner releases it.
    expect(await readdir(join(dir, '.otp-setup', 'locks'))).toEqual([]);
    // The stack is whole: a further run has nothing to do.
    f.proxy.reset();
    expect((await run(dir, ['up'])).code).toBe(0);
    expect(f.proxy.writes()).toEqual([]);
  });

  it('refuses while a live process holds the lock, naming pid, host and command, and makes no AWS call that writes', async () => {
    const dir = await f.project();
    const path = join(dir, LOCK);
    await mkdir(join(dir, '.otp-setup', 'locks'), { recursive: true });
    const holder = `${JSON.stringify({ pid: process.pid, host: hostname(), command: 'teardown', startedAt: new Date().toISOString() })}\n`;
    await writeFile(path, holder);
    for (const args of [['up'], ['teardown', '--yes']]) {
      const result = await run(dir, args);
      expect(result.code, args[0]).toBe(1);
      expect(result.stderr).toContain(
        `Another otp-setup run holds the lock for this stack: "teardown", pid ${process.pid} on ${hostname()}, started`,
      );
      expect(result.stderr).toContain('[LOCKED]');
      expect(result.stderr).toContain(`delete ${path}`);
    }
    expect(f.proxy.writes()).toEqual([]);
    // The holder's lock is left as it was.
    expect(await readFile(path, 'utf8')).toBe(holder);
  });

  it('up and teardown at once: exactly one runs, and the stack ends complete or empty, never half', async () => {
    const dir = await f.project();
    expect((await run(dir, ['up'])).code).toBe(0);
    // Change the config, so that this up has a write to hold too when it wins the lock.
    const config = join(dir, 'otp-setup.config.json');
    await writeFile(config, JSON.stringify({ ...JSON.parse(await readFile(config, 'utf8')), otp: { length: 8 } }));
    const [up, down] = await atOnce(dir, ['up'], ['teardown', '--yes']);
    expect([up.code, down.code].sort()).toEqual([0, 1]);
    for (const r of [up, down]) if (r.code !== 0) expect(r.stderr).toContain('[LOCKED]');
    const inv = await inventory(f);
    if (down.code === 0) expect(isEmpty(inv)).toEqual([]);
    else expect(expectExactlyOneOfEach(inv)).toEqual([]);
    expect(await readdir(join(dir, '.otp-setup', 'locks')).catch(() => [])).toEqual([]);
  });
});
