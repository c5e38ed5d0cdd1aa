import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCli, type RunningCli } from '../support/cli.js';
import { crashAfterWrite, markLockHoldersDead, type CrashableRun } from '../support/crash-run.js';
import { runInProcess } from '../support/in-process.js';
import { expectExactlyOneOfEach, inventory, isEmpty, readState, stateVersusAws, type Features } from '../support/inventory.js';
import { motoEnv } from '../support/moto.js';
import { STACK_FRAME } from '../support/stack-trace.js';
import { BASE_CONFIG, useStackFixture } from '../support/stack-fixture.js';

// "Lose the laptop mid-run": stop the CLI dead at every write it makes, then run it again and
// count what exists. The loops run the CLI in process and "kill" it by freezing it at the write
// (test/support/crash-run.ts: nothing of the run happens after it, its lock is left behind as a
// dead process's lock); a few real SIGKILLs of the built binary keep the process-level
// behaviour proven, and Ctrl-C (SIGINT) must stop cleanly.

const f = useStackFixture();

// Every resource type is in play: the optional alarms (with their SNS topic), DKIM domain and WAF web ACL too.
const FEATURES: Features = { alarms: true, dkim: true, waf: true };
const CONFIG = {
  ...BASE_CONFIG,
  email: { ...BASE_CONFIG.email, dkim: true },
  monitoring: { alarms: { enabled: true, email: 'ops@example.com' } },
  protection: { waf: { enabled: true } },
};

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

describe('crash at every write (in process)', () => {
  // No moto reset between rounds: each round ends with an empty account (asserted), and a reset
  // costs more than a round.
  it('up crashed after write N, for every N of a fresh up: up converges (one of each, state = AWS, no second write); teardown crashed after write M, then teardown: nothing left', async () => {
    const writes = await countWrites();
    // 5 log groups + 5 retention policies, role + inline policy, SES address, table + TTL, 5 functions,
    // topic + subscription, budget metric filter, 11 alarms, DKIM domain, pool, 5 permissions, client,
    // web ACL + its association.
    expect(writes.up).toHaveLength(10 + 2 + 1 + 2 + 5 + 2 + 1 + 11 + 1 + 1 + 5 + 1 + 2);
    for (let n = 1; n <= writes.up.length; n++) {
      const dir = await f.project(CONFIG);
      const upCrash = await crash(dir, ['up'], n);
      await upConverges(dir, `up crashed after write ${n} (${writes.up[n - 1]})`);
      // And teardown, crashed after each of its writes in turn (then straight through).
      const downCrash = n <= writes.teardown ? await crash(dir, ['teardown', '--yes'], n) : undefined;
      await teardownFinishes(dir, `up crashed after write ${n}, teardown after write ${n}`);
      stayedDead(upCrash, `up crashed after write ${n}`);
      if (downCrash) stayedDead(downCrash, `teardown crashed after write ${n}`);
    }
    // One write more than a fresh up makes: the run finishes, so the count above is exact.
    const dir = await f.project(CONFIG);
    const whole = await crashAfterWrite(f.proxy, ['up'], writes.up.length + 1, { cwd: dir, env: env() });
    expect(whole.crashed).toBe(false);
    expect((await whole.done).code).toBe(0);
    await teardownFinishes(dir, 'after a whole up');
  }, 900_000);

  it('teardown straight after an up crashed after each write (but the 2nd..last of one batch): removes everything the crashed run created', async () => {
    // Log groups, their retention, alarms and permissions are each written by one step, all at
    // once (Promise.all), and recorded together afterwards: a crash after any write of such a batch
    // leaves the same state file, so the first of each batch stands for the rest.
    const batched = new Set(['CreateLogGroup', 'PutRetentionPolicy', 'PutMetricAlarm', 'AddPermission']);
    const { up } = await countWrites();
    const picks = up.map((action, i) => (batched.has(action) && up.indexOf(action) !== i ? 0 : i + 1)).filter((n) => n > 0);
    expect(picks.length).toBe(up.length - 4 - 4 - 10 - 4);
    for (const n of picks) {
      const dir = await f.project(CONFIG);
      const upCrash = await crash(dir, ['up'], n);
      await teardownFinishes(dir, `up crashed after write ${n} (${up[n - 1]})`);
      stayedDead(upCrash, `up crashed after write ${n}`);
    }
  }, 900_000);
});

describe('a crashed run', () => {
  /** Every file under `.otp-setup`, with its bytes. */
  async function snapshot(dir: string): Promise<Record<string, string>> {
    const root = join(dir, '.otp-setup');
    const names = await readdir(root, { recursive: true });
    const out: Record<string, string> = {};
    for (const name of names.sort()) out[name] = await readFile(join(root, name), 'utf8').catch(() => '(folder)');
    return out;
  }

  it('stays dead: while other runs work, it sends nothing, writes nothing more, never returns and keeps its lock', async () => {
    const dir = await f.project(CONFIG);
    // After the first write, with the most steps in flight at once.
    const crashed = await crashAfterWrite(f.proxy, ['up'], 1, { cwd: dir, env: env() });
    expect(crashed.crashed).toBe(true);
    const lock = (files: Record<string, string>) => Object.entries(files).filter(([n]) => n.endsWith('.lock'));
    const atCrash = await snapshot(dir);
    expect(lock(atCrash)).toHaveLength(1);
    // Whole reads of the stack by other runs: plenty of network and event-loop turns in which a
    // leaking run would go on. File work already under way at the crash is not frozen (a state save
    // caught between its temp file and the rename completes, as if the kill came a moment later),
    // so the folder is compared between the two reads, and its lock with the one at the crash.
    const plans: Array<Record<string, string>> = [];
    for (let i = 0; i < 2; i++) {
      const plan = await run(dir, ['plan', '--json']);
      expect(plan.code, plan.stderr).toBe(0);
      plans.push(await snapshot(dir));
    }
    expect(plans[1]).toEqual(plans[0]);
    expect(Object.keys(plans[0]!).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(lock(plans[0]!)).toEqual(lock(atCrash));
    stayedDead(crashed, 'while plan ran');
    expect(await markLockHoldersDead(dir)).toBe(1);
    await upConverges(dir, 'after the crash');
    await teardownFinishes(dir, 'after the crash');
    stayedDead(crashed, 'after up and teardown');
  });
});

describe('real SIGKILL of the built CLI', () => {
  /** Spawns `up` and SIGKILLs it once AWS has carried out the write `pick` chooses, before the CLI sees the answer. */
  async function killUpAt(dir: string, pick: (action: string, index: number) => boolean): Promise<string> {
    let cli: RunningCli | undefined;
    let writes = 0;
    let killedAt = '';
    f.proxy.onResponse = async (call) => {
      if (!call.write || cli === undefined || killedAt) return;
      writes += 1;
      if (pick(call.action, writes)) {
        killedAt = `${call.action} (write ${writes})`;
        cli.kill('SIGKILL');
        await cli.done;
      }
    };
    cli = startCli(['up'], { cwd: dir, env: env() });
    const result = await cli.done;
    delete f.proxy.onResponse;
    expect(result.signal, `not killed: ${result.stderr}`).toBe('SIGKILL');
    return killedAt;
  }

  it.each([
    ['the first write', (_: string, i: number) => i === 1],
    ['CreateRole', (a: string) => a === 'CreateRole'],
    ['CreateUserPool', (a: string) => a === 'CreateUserPool'],
    ['CreateUserPoolClient', (a: string) => a === 'CreateUserPoolClient'],
    ['AssociateWebACL (WAF)', (a: string) => a === 'AssociateWebACL'],
  ])('killed after %s: the stale lock is taken over, up converges, teardown empties', async (_label, pick) => {
    const dir = await f.project(CONFIG);
    const at = await killUpAt(dir, pick);
    // What a killed process leaves: its lock, naming a pid that is gone.
    const locks = await readdir(join(dir, '.otp-setup', 'locks'));
    expect(locks).toHaveLength(1);
    await upConverges(dir, `killed after ${at}`);
    await teardownFinishes(dir, `killed after ${at}`);
  });
});

describe('Ctrl-C', () => {
  /** Sends SIGINT once AWS has answered the `action` call, and holds that answer until the CLI said it is stopping. */
  function interruptAt(action: string, cli: () => RunningCli | undefined): void {
    let sent = false;
    f.proxy.onResponse = async (call) => {
      const c = cli();
      if (sent || c === undefined || call.action !== action) return;
      sent = true;
      c.kill('SIGINT');
      // Held for as long as it takes (however loaded the machine): the test's timeout is the bound.
      while (!c.stderr().includes('Stopping after the call in flight') && c.child.exitCode === null && c.child.signalCode === null)
        await new Promise((r) => setTimeout(r, 25));
    };
  }

  it('up stops after the step in flight, exits 130, saves state and releases the lock; up again converges', async () => {
    const dir = await f.project(CONFIG);
    let cli: RunningCli | undefined;
    interruptAt('CreateUserPool', () => cli);
    cli = startCli(['up'], { cwd: dir, env: env() });
    const result = await cli.done;
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toContain('Stopping after the call in flight and saving state');
    expect(result.stderr).toContain('[INTERRUPTED]');
    expect(result.stderr).not.toMatch(STACK_FRAME);
    // The pool step finished and was recorded; nothing after it started.
    const state = (await readState(dir))!;
    const inv = await inventory(f);
    expect(inv.pools).toHaveLength(1);
    expect(state.resources.userPoolId).toBe(inv.pools[0]!.id);
    expect(state.steps['user-pool']).toMatchObject({ action: 'created' });
    expect(inv.pools[0]!.clients).toEqual([]);
    expect(state.resources.clientId).toBeUndefined();
    expect(f.proxy.calls.filter((c) => c.action === 'AddPermission' || c.action === 'CreateUserPoolClient')).toEqual([]);
    expect(await readdir(join(dir, '.otp-setup', 'locks'))).toEqual([]);

    const from = f.proxy.calls.length;
    await upConverges(dir, 'after Ctrl-C');
    // What waits for the pool: its client and (protection.waf) the web ACL on it.
    expect(
      awsWrites(from)
        .map((c) => c.action)
        .filter((a) => a.startsWith('Create'))
        .sort(),
    ).toEqual(['CreateUserPoolClient', 'CreateWebACL']);
  });

  it('teardown stops after the step in flight, exits 130; teardown again finishes', async () => {
    const dir = await f.project(CONFIG);
    expect((await run(dir, ['up'])).code).toBe(0);
    let cli: RunningCli | undefined;
    interruptAt('DeleteUserPool', () => cli);
    cli = startCli(['teardown', '--yes'], { cwd: dir, env: env() });
    const result = await cli.done;
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toContain('Run "otp-setup teardown" again to finish');
    const inv = await inventory(f);
    expect(inv.pools).toEqual([]);
    expect(inv.functions).toHaveLength(5);
    const state = (await readState(dir))!;
    expect(state.resources.userPoolId).toBeUndefined();
    expect(state.resources.roleArn).toBeDefined();
    await teardownFinishes(dir, 'after Ctrl-C');
  });
});
