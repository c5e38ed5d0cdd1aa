import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { InterruptReason } from '../../src/commands/deps.js';
import { runInProcess } from '../support/in-process.js';
import { motoEnv } from '../support/moto.js';
import { startSandbox } from '../support/sandbox.js';
import { useStackFixture } from '../support/stack-fixture.js';

const f = useStackFixture();

const MINE = [
  '# my app',
  'VITE_API=https://api.example.com',
  'VITE_EMAIL_OTP_USER_POOL_ID=us-east-1_MyOwnPool # the pool I set up by hand',
  'VITE_EMAIL_OTP_CLIENT_ID=myownclient',
  '',
].join('\n');

const RECORD = join('.otp-setup', 'sandbox', 'env-records.json');

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Runs `otp-setup sandbox` in process until `whileRunning` is done, then stops it as Ctrl-C does. */
async function withSandbox(dir: string, whileRunning: (env: string) => Promise<void>) {
  let send: ((reason: InterruptReason) => void) | undefined;
  const run = runInProcess(['sandbox', '--port', '0'], { cwd: dir, env: motoEnv(f.proxy.url), interrupt: (s) => (send = s) });
  const envPath = join(dir, '.env');
  // Ready once the .env points at it, and not at a killed sandbox before it (bounded by the test's
  // timeout, not by a guess at speed).
  const before = await readFile(envPath, 'utf8').catch(() => '');
  for (;;) {
    const now = await readFile(envPath, 'utf8').catch(() => '');
    if (now !== before && now.includes('VITE_EMAIL_OTP_ENDPOINT=http://127.0.0.1:')) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await whileRunning(await readFile(envPath, 'utf8'));
  send!('signal');
  const result = await run;
  expect(result.code, result.stderr).toBe(0);
  return result;
}

/** The built CLI's sandbox, ended by SIGKILL once it has borrowed the .env: none of its shutdown runs. */
async function killedSandbox(dir: string): Promise<void> {
  const sandbox = await startSandbox({ cwd: dir });
  expect(await readFile(join(dir, '.env'), 'utf8')).toContain(`VITE_EMAIL_OTP_ENDPOINT=${sandbox.url}`);
  await sandbox.kill();
}

// Several commands per test (sandbox, up, teardown): generous for a loaded machine, never a speed check.
describe('otp-setup sandbox borrows the frontend .env and gives it back', { timeout: 300_000 }, () => {
  it("puts the user's own lines back, byte for byte, when it stops", async () => {
    const dir = await f.project();
    await writeFile(join(dir, '.env'), MINE);
    const result = await withSandbox(dir, async (env) => {
      expect(env).toMatch(/^VITE_EMAIL_OTP_USER_POOL_ID=us-east-1_[0-9a-zA-Z]+ # the pool I set up by hand$/m);
      expect(env).not.toContain('MyOwnPool');
      expect(env).toContain('VITE_API=https://api.example.com');
    });
    expect(await readFile(join(dir, '.env'), 'utf8')).toBe(MINE);
    expect(result.stderr).toContain('restored your VITE_EMAIL_OTP_USER_POOL_ID, VITE_EMAIL_OTP_CLIENT_ID');
    expect(await exists(join(dir, RECORD))).toBe(false);
  });

  it('deletes a .env it created once it holds nothing else', async () => {
    const dir = await f.project();
    await withSandbox(dir, async (env) => expect(env).toContain('VITE_EMAIL_OTP_CLIENT_ID='));
    expect(await exists(join(dir, '.env'))).toBe(false);
  });

  it('leaves a key the user edited while it ran', async () => {
    const dir = await f.project();
    await writeFile(join(dir, '.env'), MINE);
    await withSandbox(dir, async (env) => {
      await writeFile(join(dir, '.env'), env.replace(/^VITE_EMAIL_OTP_CLIENT_ID=.*$/m, 'VITE_EMAIL_OTP_CLIENT_ID=edited'));
    });
    const after = await readFile(join(dir, '.env'), 'utf8');
    expect(after).toContain('VITE_EMAIL_OTP_CLIENT_ID=edited');
    expect(after).toContain('VITE_EMAIL_OTP_USER_POOL_ID=us-east-1_MyOwnPool # the pool I set up by hand');
    expect(after).not.toContain('VITE_EMAIL_OTP_ENDPOINT');
  });

  it('after a kill, the next start and stop gives the lines back', async () => {
    const dir = await f.project();
    await writeFile(join(dir, '.env'), MINE);
    await killedSandbox(dir);
    await withSandbox(dir, async (env) => expect(env).not.toContain('MyOwnPool'));
    expect(await readFile(join(dir, '.env'), 'utf8')).toBe(MINE);
  });

  it("after a kill, up carries the user's lines and teardown puts them back", async () => {
    const dir = await f.project();
    await writeFile(join(dir, '.env'), MINE);
    await killedSandbox(dir);
    const up = await runInProcess(['up'], { cwd: dir, env: motoEnv(f.proxy.url) });
    expect(up.code, up.stderr).toBe(0);
    const deployed = await readFile(join(dir, '.env'), 'utf8');
    expect(deployed).not.toContain('VITE_EMAIL_OTP_ENDPOINT');
    expect(deployed).not.toContain('MyOwnPool');
    const down = await runInProcess(['teardown', '--yes'], { cwd: dir, env: motoEnv(f.proxy.url) });
    expect(down.code, down.stderr).toBe(0);
    expect(await readFile(join(dir, '.env'), 'utf8')).toBe(MINE);
  });

  it("on top of a deployed stack, stopping points the app back at the stack's values", async () => {
    const dir = await f.project();
    await writeFile(join(dir, '.env'), MINE);
    const up = await runInProcess(['up'], { cwd: dir, env: motoEnv(f.proxy.url) });
    expect(up.code, up.stderr).toBe(0);
    const deployed = await readFile(join(dir, '.env'), 'utf8');
    const result = await withSandbox(dir, async (env) => expect(env).toContain('VITE_EMAIL_OTP_ENDPOINT='));
    expect(await readFile(join(dir, '.env'), 'utf8')).toBe(deployed);
    expect(result.stderr).toContain("back to the deployed stack's values");
    const down = await runInProcess(['teardown', '--yes'], { cwd: dir, env: motoEnv(f.proxy.url) });
    expect(down.code, down.stderr).toBe(0);
    expect(await readFile(join(dir, '.env'), 'utf8')).toBe(MINE);
  });
});
