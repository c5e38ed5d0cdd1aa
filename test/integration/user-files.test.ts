import { execFileSync } from 'node:child_process';
import { chmod, copyFile, lstat, mkdir, mkdtemp, readFile, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runInProcess } from '../support/in-process.js';
import { BASE_CONFIG, useStackFixture } from '../support/stack-fixture.js';
import { STACK_FRAME } from '../support/stack-trace.js';

// The user's files are sacred: the .env is edited in place of its real target, its own lines come
// back on teardown, and a path otp-setup must not write is refused before any AWS change.

const f = useStackFixture();
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const isRoot = process.getuid?.() === 0;

async function ok(dir: string, args: string[]) {
  const result = await f.cli(dir, args);
  expect(result.stderr).not.toMatch(STACK_FRAME);
  expect(result.code, result.stderr).toBe(0);
  return result;
}

async function setConfig(dir: string, frontend: Record<string, unknown>) {
  await writeFile(join(dir, 'otp-setup.config.json'), JSON.stringify({ ...BASE_CONFIG, frontend }, null, 2));
}

describe('the frontend .env, through up and teardown', () => {
  it('gives the file back byte for byte: own line with export and comment, CRLF, no final newline, mode 600, symlink', async () => {
    const dir = await f.project();
    await mkdir(join(dir, 'shared'));
    const target = join(dir, 'shared', 'app.env');
    const before = '# app\r\nexport VITE_AWS_REGION=eu-west-1  # mine\r\nAPI_URL=https://api.example.com';
    await writeFile(target, before);
    await chmod(target, 0o600);
    await symlink('shared/app.env', join(dir, '.env'));

    const plan = await ok(dir, ['plan']);
    expect(plan.stdout + plan.stderr).toContain('holds your own value (eu-west-1)');
    const up = await ok(dir, ['up', '--json']);
    const during = await readFile(target, 'utf8');
    expect(during).toContain('export VITE_AWS_REGION=us-east-1  # mine\r\nAPI_URL=https://api.example.com\r\n');
    expect(during).toContain(`VITE_EMAIL_OTP_USER_POOL_ID=${String(up.json!.userPoolId)}\r\n`);
    expect(during.endsWith('\n')).toBe(false);
    expect((await lstat(join(dir, '.env'))).isSymbolicLink()).toBe(true);
    expect((await stat(target)).mode & 0o777).toBe(0o600);

    const down = await ok(dir, ['teardown', '--yes']);
    expect(down.stdout + down.stderr).toContain('restored your VITE_AWS_REGION');
    expect(await readFile(target, 'utf8')).toBe(before);
    expect((await lstat(join(dir, '.env'))).isSymbolicLink()).toBe(true);
    expect((await stat(target)).mode & 0o777).toBe(0o600);
    expect(await readdir(join(dir, 'shared'))).toEqual(['app.env']);
  }, 180_000);

  it('moving frontend.envFile takes our keys out of the old file, false takes them out of every file, teardown cleans the rest', async () => {
    const dir = await f.project();
    await writeFile(join(dir, '.env'), 'A=1\n');
    await ok(dir, ['up']);

    await setConfig(dir, { envFile: 'web/.env.local' });
    const plan = await ok(dir, ['plan']);
    expect(plan.stdout + plan.stderr).toContain(`take our keys back out of ${join(dir, '.env')}`);
    await ok(dir, ['up']);
    expect(await readFile(join(dir, '.env'), 'utf8')).toBe('A=1\n');
    expect(await readFile(join(dir, 'web', '.env.local'), 'utf8')).toContain('VITE_EMAIL_OTP_CLIENT_ID=');

    await setConfig(dir, { envFile: false });
    const off = await ok(dir, ['up']);
    expect(off.stdout + off.stderr).not.toContain('deleted outside otp-setup');
    expect(off.stdout).not.toContain('Frontend env:');
    // web/.env.local was created by otp-setup and held nothing else.
    expect(await readdir(join(dir, 'web'))).toEqual([]);
    const again = await ok(dir, ['up']);
    expect(again.stdout + again.stderr).toContain('skipped (frontend.envFile is false)');

    await setConfig(dir, { envFile: '.env' });
    await ok(dir, ['up']);
    expect(await readFile(join(dir, '.env'), 'utf8')).toContain('VITE_EMAIL_OTP_CLIENT_ID=');
    await ok(dir, ['teardown', '--yes']);
    expect(await readFile(join(dir, '.env'), 'utf8')).toBe('A=1\n');
  }, 180_000);

  it("two regions sharing one .env: each teardown leaves the other deployed stack's keys, the last one restores the file", async () => {
    const dir = await f.project();
    const before = '# app\nAPI_URL=https://api.example.com\n';
    await writeFile(join(dir, '.env'), before);
    const us = await ok(dir, ['up', '--json']);
    await ok(dir, ['up', '--region', 'eu-west-1']);
    expect(await readFile(join(dir, '.env'), 'utf8')).toContain('VITE_AWS_REGION=eu-west-1\n');
    await ok(dir, ['teardown', '--yes', '--region', 'eu-west-1']);
    const afterEu = await readFile(join(dir, '.env'), 'utf8');
    expect(afterEu).toContain('VITE_AWS_REGION=us-east-1\n');
    expect(afterEu).toContain(`VITE_EMAIL_OTP_USER_POOL_ID=${String(us.json!.userPoolId)}\n`);
    await ok(dir, ['teardown', '--yes']);
    expect(await readFile(join(dir, '.env'), 'utf8')).toBe(before);
  }, 180_000);
});

describe('a .env otp-setup must not write is refused before any AWS change', () => {
  const cases: Array<{ name: string; make: (path: string) => Promise<void>; code: string; says: string; skip?: boolean }> = [
    {
      name: 'a FIFO',
      make: async (p) => void execFileSync('mkfifo', [p]),
      code: 'ENV_NOT_A_FILE',
      says: 'is a named pipe (FIFO), not a regular file',
    },
    // A copy of /dev/null (same device numbers): what "envFile": "/dev/null" would be, without risking the real one.
    {
      name: 'a device',
      make: async (p) => void execFileSync('mknod', [p, 'c', '1', '3']),
      code: 'ENV_NOT_A_FILE',
      says: 'is a character device',
      skip: !isRoot,
    },
    {
      name: 'a read-only file',
      make: async (p) => {
        await writeFile(p, 'A=1\n');
        await chmod(p, 0o444);
      },
      code: 'ENV_READ_ONLY',
      says: 'is read-only (mode 0444)',
    },
  ];
  for (const c of cases) {
    it.skipIf(c.skip)(`${c.name} → ${c.code}, exit 1, nothing created`, async () => {
      const dir = await f.project();
      await c.make(join(dir, 'null'));
      await setConfig(dir, { envFile: 'null' });
      const before = await lstat(join(dir, 'null'));
      f.proxy.reset();
      const result = await f.cli(dir, ['up']);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toContain(`[${c.code}]`);
      expect(result.stderr).toContain(c.says);
      expect(result.stderr).toMatch(/\n {2}→ \S/);
      expect(f.proxy.writes()).toEqual([]);
      const after = await lstat(join(dir, 'null'));
      expect([after.mode, after.ino, after.rdev]).toEqual([before.mode, before.ino, before.rdev]);
    });
  }
});

describe('a newcomer in a clone', () => {
  it("the repository's own config is valid: plan runs, up refuses its placeholder sender and points at the sandbox", async () => {
    const dir = await f.project();
    const shipped = JSON.parse(await readFile(join(ROOT, 'otp-setup.config.json'), 'utf8')) as { $schema: string };
    // Its $schema resolves inside the clone, so editors complete it there.
    expect((await stat(resolve(ROOT, shipped.$schema))).isFile()).toBe(true);
    await copyFile(join(ROOT, 'otp-setup.config.json'), join(dir, 'otp-setup.config.json'));
    await ok(dir, ['plan']);
    f.proxy.reset();
    const up = await f.cli(dir, ['up']);
    expect(up.code).toBe(2);
    expect(up.stderr).toContain('[PLACEHOLDER_SENDER]');
    expect(up.stderr).toContain('otp-setup sandbox');
    expect(f.proxy.writes()).toEqual([]);
    expect(await readdir(dir)).not.toContain('.env');
  });

  it('every AWS command without credentials says so and mentions the sandbox', async () => {
    const dir = await f.project();
    const home = await mkdtemp(join(tmpdir(), 'otp-home-'));
    const noCredentials = {
      HOME: home,
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_SESSION_TOKEN: undefined,
      AWS_PROFILE: undefined,
      AWS_CONFIG_FILE: join(home, 'none'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
      AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
      AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    for (const command of [['up'], ['plan'], ['status'], ['teardown', '--yes']]) {
      const result = await f.spawnCli(dir, command, noCredentials);
      expect(result.code, `${command.join(' ')}: ${result.stderr}`).toBe(1);
      expect(result.stderr).toContain('No AWS credentials found. [NO_CREDENTIALS]');
      expect(result.stderr).toContain('"otp-setup sandbox" runs the whole sign-in flow locally');
    }
  }, 180_000);

  it('init writes a $schema relative to the config file, which resolves to the shipped schema', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'otp-init-'));
    const result = await runInProcess(['init', '--from', 'noreply@example.com', '--yes'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const written = JSON.parse(await readFile(join(dir, 'otp-setup.config.json'), 'utf8')) as { $schema: string };
    expect(written.$schema.startsWith('/')).toBe(false);
    const schema = JSON.parse(await readFile(resolve(dir, written.$schema), 'utf8')) as { properties: Record<string, unknown> };
    expect(schema.properties).toHaveProperty('email');
  });
});
