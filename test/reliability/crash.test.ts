import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCli, type RunningCli } from '../support/cli.js';
import { CONFIG, crashKit } from '../support/crash-kit.js';
import { crashAfterWrite, markLockHoldersDead } from '../support/crash-run.js';
import { inventory, readState } from '../support/inventory.js';
import { STACK_FRAME } from '../support/stack-trace.js';
import { useStackFixture } from '../support/stack-fixture.js';

// "Lose the laptop mid-run" (the every-write loop is in crash-every-write-*.test.ts): teardown
// straight after a crashed up; a crashed run stays dead; a few real SIGKILLs of the built binary
// keep the process-level behaviour proven; Ctrl-C (SIGINT) must stop cleanly.

const f = useStackFixture();
const { env, run, awsWrites, crash, stayedDead, upConverges, teardownFinishes, countWrites } = crashKit(f);

describe('crash, then teardown (in process)', () => {
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
