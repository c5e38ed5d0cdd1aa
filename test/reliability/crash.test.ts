import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCli, type RunningCli } from '../support/cli.js';
import { seededRandom } from '../support/seeded-random.js';
import { motoEnv } from '../support/moto.js';
import { expectExactlyOneOfEach, inventory, isEmpty, readState, type Inventory } from '../support/inventory.js';
import { useStackFixture } from '../support/stack-fixture.js';

// "Lose the laptop mid-run": SIGKILL the CLI at every write it makes (and at random moments),
// then run it again and count what exists. Also Ctrl-C (SIGINT), which must stop cleanly.

const f = useStackFixture();

function start(dir: string, args: string[]): RunningCli {
  return startCli(args, { cwd: dir, env: motoEnv(f.proxy.url) });
}

/**
 * Runs `args` and SIGKILLs it as soon as AWS has carried out its Nth write call, before the CLI
 * sees the answer (the worst moment: the resource exists, the CLI never learned its id).
 * Returns true when the run was killed, false when it finished with fewer than N writes.
 */
async function killAfterWrite(dir: string, args: string[], n: number): Promise<boolean> {
  let writes = 0;
  let cli: RunningCli | undefined;
  f.proxy.onResponse = async (call) => {
    if (!call.write || cli === undefined) return;
    writes += 1;
    if (writes === n) {
      cli.kill('SIGKILL');
      await cli.done;
    }
  };
  cli = start(dir, args);
  const result = await cli.done;
  delete f.proxy.onResponse;
  if (result.signal === 'SIGKILL') return true;
  expect(result.code, result.stderr).toBe(0);
  return false;
}

async function upConverges(dir: string, label: string): Promise<Inventory> {
  const result = await f.cli(dir, ['up', '--json']);
  expect(result.code, `${label}: ${result.stderr}`).toBe(0);
  expect(result.stderr, label).not.toMatch(/at .*\.js:\d+/);
  const inv = await inventory(f);
  expect(expectExactlyOneOfEach(inv), label).toEqual([]);
  // The ids reported, recorded and written to .env are the ones that exist.
  const pool = inv.pools[0]!;
  expect(result.json!.userPoolId, label).toBe(pool.id);
  expect(result.json!.clientId, label).toBe(pool.clients[0]);
  const state = (await readState(dir))!;
  expect(state.resources.userPoolId, label).toBe(pool.id);
  expect(state.resources.clientId, label).toBe(pool.clients[0]);
  const env = await readFile(join(dir, '.env'), 'utf8');
  expect(env, label).toContain(`VITE_EMAIL_OTP_USER_POOL_ID=${pool.id}\n`);
  expect(env, label).toContain(`VITE_EMAIL_OTP_CLIENT_ID=${pool.clients[0]}\n`);
  expect(await readdir(join(dir, '.otp-setup', 'locks')), label).toEqual([]);
  return inv;
}

async function teardownFinishes(dir: string, label: string): Promise<void> {
  const result = await f.cli(dir, ['teardown', '--yes']);
  expect(result.code, `${label}: ${result.stderr}`).toBe(0);
  const inv = await inventory(f);
  expect(isEmpty(inv), label).toEqual([]);
  const left = await readdir(join(dir, '.otp-setup'), { recursive: true }).catch(() => undefined);
  expect(left, `${label}: left behind in .otp-setup`).toBeUndefined();
}

describe('SIGKILL at every write', () => {
  it('up killed after write 1..N, then up again: exactly one of each resource, ids consistent everywhere', async () => {
    let killed = 0;
    for (let n = 1; n < 40; n++) {
      await f.moto.reset();
      f.proxy.reset();
      const dir = await f.project();
      const wasKilled = await killAfterWrite(dir, ['up'], n);
      if (!wasKilled) break;
      killed += 1;
      await upConverges(dir, `killed after write ${n}`);
    }
    // A fresh up makes 15+ writes (2 role, 1 SES, 5 functions, 1 pool, 5 permissions, 1 client, ...).
    expect(killed).toBeGreaterThanOrEqual(14);
  }, 600_000);

  it('teardown after an up killed at any write removes everything that was created', async () => {
    let killed = 0;
    for (let n = 1; n < 40; n++) {
      await f.moto.reset();
      f.proxy.reset();
      const dir = await f.project();
      if (!(await killAfterWrite(dir, ['up'], n))) break;
      killed += 1;
      await teardownFinishes(dir, `up killed after write ${n}`);
    }
    expect(killed).toBeGreaterThanOrEqual(14);
  }, 600_000);

  it('teardown killed after write 1..N, then teardown again: nothing left, no state', async () => {
    let killed = 0;
    for (let n = 1; n < 40; n++) {
      await f.moto.reset();
      f.proxy.reset();
      const dir = await f.project();
      expect((await f.cli(dir, ['up'])).code).toBe(0);
      if (!(await killAfterWrite(dir, ['teardown', '--yes'], n))) break;
      killed += 1;
      await teardownFinishes(dir, `teardown killed after write ${n}`);
    }
    // Teardown deletes: client, pool, 5 permissions, 5 functions, SES identity, role policy, role, ...
    expect(killed).toBeGreaterThanOrEqual(13);
  }, 600_000);
});

describe('SIGKILL at random moments (seeded, so every run kills at the same times)', () => {
  for (const seed of [11, 23, 47]) {
    it(`up killed after a random delay (seed ${seed}), then up, then teardown`, async () => {
      const random = seededRandom(seed);
      const dir = await f.project();
      const delay = 300 + Math.floor(random() * 1500);
      const cli = start(dir, ['up']);
      setTimeout(() => cli.kill('SIGKILL'), delay);
      const result = await cli.done;
      // Either it was killed, or it finished first; both must converge.
      expect(result.signal === 'SIGKILL' || result.code === 0, result.stderr).toBe(true);
      await upConverges(dir, `killed after ${delay} ms`);
      await teardownFinishes(dir, `killed after ${delay} ms`);
    }, 60_000);
  }
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
      for (let i = 0; i < 200 && !c.stderr().includes('Stopping after the call in flight'); i++)
        await new Promise((r) => setTimeout(r, 25));
    };
  }

  it('up stops after the step in flight, exits 130, saves state and releases the lock; up again converges', async () => {
    const dir = await f.project();
    let cli: RunningCli | undefined;
    interruptAt('CreateUserPool', () => cli);
    cli = start(dir, ['up']);
    const result = await cli.done;
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toContain('Stopping after the call in flight and saving state');
    expect(result.stderr).toContain('[INTERRUPTED]');
    expect(result.stderr).not.toMatch(/at .*\.js:\d+/);
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

    f.proxy.reset();
    await upConverges(dir, 'after Ctrl-C');
    expect(
      f.proxy
        .writes()
        .map((c) => c.action)
        .filter((a) => a.startsWith('Create')),
    ).toEqual(['CreateUserPoolClient']);
  }, 60_000);

  it('teardown stops after the step in flight, exits 130; teardown again finishes', async () => {
    const dir = await f.project();
    expect((await f.cli(dir, ['up'])).code).toBe(0);
    let cli: RunningCli | undefined;
    interruptAt('DeleteUserPool', () => cli);
    cli = start(dir, ['teardown', '--yes']);
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
  }, 60_000);
});
