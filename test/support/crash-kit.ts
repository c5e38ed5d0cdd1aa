import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { crashAfterWrite, markLockHoldersDead, type CrashableRun } from './crash-run.js';
import { runInProcess } from './in-process.js';
import { expectExactlyOneOfEach, inventory, isEmpty, readState, stateVersusAws, type Features } from './inventory.js';
import { motoEnv } from './moto.js';
import { STACK_FRAME } from './stack-trace.js';
import { BASE_CONFIG, type StackFixture } from './stack-fixture.js';

// What the crash tests share (test/reliability/crash*.test.ts): "lose the laptop mid-run", i.e.
// stop the CLI dead at a write, then run it again and count what exists. The loops run the CLI in
// process and "kill" it by freezing it at the write (crash-run.ts: nothing of the run happens
// after it, its lock is left behind as a dead process's lock). The every-write loop is split over
// files so that vitest's workers share it.

// Every resource type is in play: the optional alarms (with their SNS topic), DKIM domain and WAF web ACL too.
export const FEATURES: Features = { alarms: true, dkim: true, waf: true };
export const CONFIG = {
  ...BASE_CONFIG,
  email: { ...BASE_CONFIG.email, dkim: true },
  monitoring: { alarms: { enabled: true, email: 'ops@example.com' } },
  protection: { waf: { enabled: true } },
};

/** The crash tests' helpers, over a file's stack fixture. */
export function crashKit(f: StackFixture) {
  const env = () => motoEnv(f.proxy.url);
  const run = (dir: string, args: string[]) => runInProcess(args, { cwd: dir, env: env() });

  /** Writes that reached AWS (realism refusals and injected faults never did). */
  const awsWrites = (from = 0) => f.proxy.calls.slice(from).filter((c) => c.write && c.status !== undefined);

  /**
   * Crashes `args` after its nth write and leaves the project as a killed process would: asserts
   * the run crashed, and makes its lock's holder dead.
   */
  async function crash(dir: string, args: string[], n: number): Promise<CrashableRun> {
    const run = await crashAfterWrite(f.proxy, args, n, { cwd: dir, env: env() });
    expect(run.crashed, `${args.join(' ')} finished before write ${n}`).toBe(true);
    expect(await markLockHoldersDead(dir), 'the crashed run left its lock').toBe(1);
    return run;
  }

  /** The crashed run stayed dead: no call from it reached AWS after the crash, and main() never returned. */
  function stayedDead(run: CrashableRun, label: string): void {
    expect(run.sentAfterCrash(f.proxy.calls), `${label}: calls the crashed run sent after it crashed`).toEqual([]);
    expect(run.settled, `${label}: the crashed run returned`).toBe(false);
  }

  async function upConverges(dir: string, label: string): Promise<void> {
    const result = await run(dir, ['up', '--json']);
    expect(result.code, `${label}: ${result.stderr}`).toBe(0);
    expect(result.stderr, label).not.toMatch(STACK_FRAME);
    const inv = await inventory(f);
    expect(expectExactlyOneOfEach(inv, FEATURES), label).toEqual([]);
    // The ids reported, recorded and written to .env are the ones that exist.
    const pool = inv.pools[0]!;
    expect(result.json!.userPoolId, label).toBe(pool.id);
    expect(result.json!.clientId, label).toBe(pool.clients[0]);
    const state = (await readState(dir))!;
    expect(stateVersusAws(state.resources, inv, FEATURES), label).toEqual([]);
    const dotenv = await readFile(join(dir, '.env'), 'utf8');
    expect(dotenv, label).toContain(`VITE_EMAIL_OTP_USER_POOL_ID=${pool.id}\n`);
    expect(dotenv, label).toContain(`VITE_EMAIL_OTP_CLIENT_ID=${pool.clients[0]}\n`);
    expect(await readdir(join(dir, '.otp-setup', 'locks')), label).toEqual([]);
    // Converged means converged: one more up writes nothing.
    const from = f.proxy.calls.length;
    expect((await run(dir, ['up'])).code, label).toBe(0);
    expect(
      f.proxy.calls
        .slice(from)
        .filter((c) => c.write)
        .map((c) => c.action),
      `${label}: writes of a second up`,
    ).toEqual([]);
  }

  async function teardownFinishes(dir: string, label: string): Promise<void> {
    const result = await run(dir, ['teardown', '--yes']);
    expect(result.code, `${label}: ${result.stderr}`).toBe(0);
    expect(isEmpty(await inventory(f)), label).toEqual([]);
    const left = await readdir(join(dir, '.otp-setup'), { recursive: true }).catch(() => undefined);
    expect(left, `${label}: left behind in .otp-setup`).toBeUndefined();
  }

  /** The writes a fresh up makes, and how many the teardown after it makes, from the proxy's recording. */
  async function countWrites(): Promise<{ up: string[]; teardown: number }> {
    const dir = await f.project(CONFIG);
    let from = f.proxy.calls.length;
    expect((await run(dir, ['up'])).code).toBe(0);
    const up = awsWrites(from).map((c) => c.action);
    expect(expectExactlyOneOfEach(await inventory(f), FEATURES)).toEqual([]);
    from = f.proxy.calls.length;
    expect((await run(dir, ['teardown', '--yes'])).code).toBe(0);
    const teardown = awsWrites(from).length;
    expect(isEmpty(await inventory(f))).toEqual([]);
    return { up, teardown };
  }
  /**
   * The writes of a fresh up, from the proxy's recording, checked to be every resource type's:
   * 5 log groups + 5 retention policies, role + inline policy, SES address, table + TTL, 5
   * functions, topic + subscription, budget metric filter, 11 alarms, DKIM domain, pool, 5
   * permissions, client, web ACL + its association.
   */
  async function freshUpWrites(): Promise<{ up: string[]; teardown: number }> {
    const writes = await countWrites();
    expect(writes.up).toHaveLength(10 + 2 + 1 + 2 + 5 + 2 + 1 + 11 + 1 + 1 + 5 + 1 + 2);
    return writes;
  }

  /**
   * Round n of the every-write loop: up crashed after its write n, then up converges; teardown
   * crashed after its write n (while it has one), then teardown leaves nothing. No moto reset
   * between rounds: each ends with an empty account (asserted), and a reset costs more than a round.
   */
  async function crashRound(n: number, writes: { up: string[]; teardown: number }): Promise<void> {
    const dir = await f.project(CONFIG);
    const upCrash = await crash(dir, ['up'], n);
    await upConverges(dir, `up crashed after write ${n} (${writes.up[n - 1]})`);
    const downCrash = n <= writes.teardown ? await crash(dir, ['teardown', '--yes'], n) : undefined;
    await teardownFinishes(dir, `up crashed after write ${n}, teardown after write ${n}`);
    stayedDead(upCrash, `up crashed after write ${n}`);
    if (downCrash) stayedDead(downCrash, `teardown crashed after write ${n}`);
  }

  return { env, run, awsWrites, crash, stayedDead, upConverges, teardownFinishes, countWrites, freshUpWrites, crashRound };
}
