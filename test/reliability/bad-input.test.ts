import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { BIN, runCli, startCli } from '../support/cli.js';
import { motoEnv } from '../support/moto.js';
import { useStackFixture } from '../support/stack-fixture.js';
import { makeUnwritable } from '../support/unwritable.js';

// Bad input never corrupts anything: each case fails with the field and the fix, exit 1 or 2,
// makes no AWS write, and leaves the config, state and .env files exactly as they were.

const f = useStackFixture();

const BASE = { region: 'us-east-1', email: { from: 'noreply@example.com' } };
const STATE_NAME = 'email-otp.us-east-1.123456789012.json';
const GOOD_STATE = {
  version: 1,
  stackId: 'email-otp',
  region: 'us-east-1',
  accountId: '123456789012',
  updatedAt: '2026-01-01T00:00:00.000Z',
  resources: {},
  steps: {},
};

interface Case {
  name: string;
  /** Config file content: an object (JSON-encoded) or raw text. */
  config?: unknown;
  args?: string[];
  /** Extra files to put in the project before running. */
  setup?: (dir: string) => Promise<void>;
  code: 1 | 2;
  errorCode: string;
  /** Each must appear in stderr: the field and the fix. */
  says: Array<string | RegExp>;
}

const cases: Case[] = [
  {
    name: 'config is not JSON',
    config: '{ "email": { "from": "a@b.co" }, }',
    code: 2,
    errorCode: 'CONFIG_INVALID_JSON',
    says: ['is not valid JSON', 'trailing comma'],
  },
  {
    name: 'unknown top-level field',
    config: { ...BASE, otpp: { length: 6 } },
    code: 2,
    errorCode: 'CONFIG_INVALID',
    says: ['otpp: unknown field (did you mean "otp"?)', 'Fix the fields named above'],
  },
  {
    name: 'unknown nested field',
    config: { ...BASE, otp: { lenght: 6 } },
    code: 2,
    errorCode: 'CONFIG_INVALID',
    says: ['otp.lenght: unknown field (did you mean "length"?)'],
  },
  { name: 'config is an array', config: [BASE], code: 2, errorCode: 'CONFIG_INVALID', says: [/\(top level\)|expected object/i] },
  { name: 'missing sender', config: { region: 'us-east-1' }, code: 2, errorCode: 'CONFIG_INVALID', says: ['email: is required'] },
  {
    name: 'invalid email',
    config: { ...BASE, email: { from: 'noreply-at-example.com' } },
    code: 2,
    errorCode: 'CONFIG_INVALID',
    says: ['email.from: must be an email address such as noreply@example.com'],
  },
  {
    name: 'email with a newline (header injection)',
    config: { ...BASE, email: { from: 'a@example.com\nBcc: x@evil.com' } },
    code: 2,
    errorCode: 'CONFIG_INVALID',
    says: ['email.from: must be an email address'],
  },
  {
    name: 'invalid region in config',
    config: { ...BASE, region: 'mars-north-1x' },
    code: 2,
    errorCode: 'CONFIG_INVALID',
    says: ['region: must be an AWS region such as us-east-1'],
  },
  {
    name: 'invalid --region flag',
    config: BASE,
    args: ['--region', 'useast1'],
    code: 2,
    errorCode: 'INVALID_REGION',
    says: ['--region useast1 is not an AWS region', 'such as us-east-1'],
  },
  {
    name: 'invalid stage',
    config: { ...BASE, stage: 'Prod_1' },
    code: 2,
    errorCode: 'CONFIG_INVALID',
    says: ['stage: must be 1-16 lower-case letters, digits or dashes, e.g. dev'],
  },
  {
    name: 'invalid --stage flag',
    config: BASE,
    args: ['--stage', '../../etc'],
    code: 2,
    errorCode: 'CONFIG_INVALID',
    says: ['--stage "../../etc": must be 1-16 lower-case letters'],
  },
  {
    name: 'OTP too short',
    config: { ...BASE, otp: { length: 4 } },
    code: 2,
    errorCode: 'CONFIG_INVALID',
    says: ['otp.length: must be at least 6 digits'],
  },
  {
    name: 'OTP too long',
    config: { ...BASE, otp: { length: 11 } },
    code: 2,
    errorCode: 'CONFIG_INVALID',
    says: ['otp.length: must be at most 10 digits'],
  },
  {
    name: 'OTP length not a number',
    config: { ...BASE, otp: { length: '6' } },
    code: 2,
    errorCode: 'CONFIG_INVALID',
    says: ['otp.length: must be a whole number of digits'],
  },
  {
    name: 'OTP length fractional',
    config: { ...BASE, otp: { length: 6.5 } },
    code: 2,
    errorCode: 'CONFIG_INVALID',
    says: ['otp.length: must be a whole number of digits'],
  },
  {
    name: 'TTL beyond the auth session',
    config: { ...BASE, otp: { ttlSeconds: 600 } },
    code: 2,
    errorCode: 'CONFIG_INVALID',
    says: ['otp.ttlSeconds: must not exceed client.authSessionValidityMinutes (3 min = 180 s)'],
  },
  {
    name: 'TTL too short',
    config: { ...BASE, otp: { ttlSeconds: 5 } },
    code: 2,
    errorCode: 'CONFIG_INVALID',
    says: ['otp.ttlSeconds: must be at least 30 seconds'],
  },
  {
    name: 'max attempts zero',
    config: { ...BASE, otp: { maxAttempts: 0 } },
    code: 2,
    errorCode: 'CONFIG_INVALID',
    says: ['otp.maxAttempts: must be at least 1 attempts'],
  },
  {
    name: 'auth session above Cognito max',
    config: { ...BASE, client: { authSessionValidityMinutes: 16 } },
    code: 2,
    errorCode: 'CONFIG_INVALID',
    says: ['client.authSessionValidityMinutes: must be at most 15 minutes'],
  },
  {
    name: 'access token below Cognito min',
    config: { ...BASE, client: { accessTokenValidityMinutes: 2 } },
    code: 2,
    errorCode: 'CONFIG_INVALID',
    says: ['client.accessTokenValidityMinutes: must be at least 5 minutes'],
  },
  {
    name: 'id token above Cognito max',
    config: { ...BASE, client: { idTokenValidityMinutes: 1441 } },
    code: 2,
    errorCode: 'CONFIG_INVALID',
    says: ['client.idTokenValidityMinutes: must be at most 1440 minutes'],
  },
  {
    name: 'refresh token above Cognito max',
    config: { ...BASE, client: { refreshTokenValidityDays: 3651 } },
    code: 2,
    errorCode: 'CONFIG_INVALID',
    says: ['client.refreshTokenValidityDays: must be at most 3650 days'],
  },
  {
    name: 'several problems at once are all named',
    config: { ...BASE, otp: { length: 3 }, stage: 'X' },
    code: 2,
    errorCode: 'CONFIG_INVALID',
    says: ['otp.length:', 'stage:'],
  },
  {
    name: 'unreadable .env (a folder)',
    config: BASE,
    setup: async (dir) => {
      await rm(join(dir, '.env'));
      await mkdir(join(dir, '.env'));
    },
    code: 1,
    errorCode: 'ENV_UNREADABLE',
    says: ['Cannot read the frontend env file', 'frontend.envFile must name a file'],
  },
  {
    name: 'corrupt state file (not JSON)',
    config: BASE,
    setup: async (dir) => {
      await mkdir(join(dir, '.otp-setup', 'state'), { recursive: true });
      await writeFile(join(dir, '.otp-setup', 'state', STATE_NAME), '{"version":1,"stackId":"email-otp", TRUNCATED');
    },
    code: 1,
    errorCode: 'STATE_CORRUPT',
    says: ['is corrupt (not JSON', 'it was left untouched', 'Move it aside (mv'],
  },
  {
    name: 'state file with a wrong shape',
    config: BASE,
    setup: async (dir) => {
      await mkdir(join(dir, '.otp-setup', 'state'), { recursive: true });
      await writeFile(join(dir, '.otp-setup', 'state', STATE_NAME), JSON.stringify({ ...GOOD_STATE, version: 2, resources: 'pool' }));
    },
    code: 1,
    errorCode: 'STATE_CORRUPT',
    says: ['version', 'resources', 'Move it aside'],
  },
  {
    name: 'state file of another account',
    config: BASE,
    setup: async (dir) => {
      await mkdir(join(dir, '.otp-setup', 'state'), { recursive: true });
      await writeFile(join(dir, '.otp-setup', 'state', STATE_NAME), JSON.stringify({ ...GOOD_STATE, accountId: '999999999999' }));
    },
    code: 1,
    errorCode: 'STATE_MISMATCH',
    says: ['belongs to stack email-otp in account 999999999999', 'current credentials are for account 123456789012', '--profile'],
  },
];

/** Every file in the project (recursively), with its bytes (the .env folder case as a marker). */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string): Promise<void> => {
    for (const entry of await readdir(join(dir, rel), { withFileTypes: true })) {
      const path = join(rel, entry.name);
      if (entry.isDirectory()) {
        if (path === '.env') out['.env/'] = '';
        await walk(path);
      } else {
        out[path] = (await readFile(join(dir, path))).toString('base64');
      }
    }
  };
  await walk('');
  return out;
}

describe('bad input is refused without touching anything', () => {
  for (const c of cases) {
    it(`${c.name} → ${c.errorCode}, exit ${c.code}`, async () => {
      const dir = await f.project();
      await writeFile(join(dir, 'otp-setup.config.json'), typeof c.config === 'string' ? c.config : JSON.stringify(c.config, null, 2));
      await writeFile(join(dir, '.env'), '# my app\nAPI_URL=https://api.example.com\n').catch(() => undefined);
      await c.setup?.(dir);
      const before = await snapshot(dir);
      for (const command of [['up'], ['up', '--json'], ['plan']]) {
        f.proxy.reset();
        const result = await f.cli(dir, [...command, ...(c.args ?? [])]);
        expect(result.code, result.stderr).toBe(c.code);
        expect(result.stderr).not.toMatch(/at .*\.js:\d+/);
        if (command.includes('--json')) {
          expect(result.json).toMatchObject({ ok: false, error: { code: c.errorCode } });
          expect((result.json!.error as { resolution?: string }).resolution).toBeTruthy();
        } else {
          expect(result.stderr).toContain(`[${c.errorCode}]`);
          for (const s of c.says)
            expect(result.stderr).toMatch(typeof s === 'string' ? new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : s);
          // A resolution line: what to do about it.
          expect(result.stderr).toMatch(/\n {2}→ \S/);
        }
        expect(f.proxy.writes()).toEqual([]);
        expect(await snapshot(dir)).toEqual(before);
      }
    }, 90_000);
  }
});

/** Runs the CLI with its stdout reader gone before anything is printed, as `| head -0` would. */
async function withClosedStdout(dir: string, args: string[], env: Record<string, string | undefined> = {}) {
  const run = startCli(args, { cwd: dir, env: { ...motoEnv(f.proxy.url), ...env } });
  run.child.stdout!.destroy();
  return run.done;
}

describe('output and usage errors', () => {
  it('a reader that goes away (| head) is not a crash: --help, status and plan exit 0 without a stack', async () => {
    const dir = await f.project();
    for (const args of [['--help'], ['init', '--help'], ['status'], ['plan']]) {
      const result = await withClosedStdout(dir, args);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
      expect(result.stderr).not.toMatch(/EPIPE|Unhandled 'error' event|at .*\.js:\d+/);
    }
  }, 60_000);

  it('--json answers usage errors (unknown command, unknown option, missing option) with one JSON object, exit 2', async () => {
    const dir = await f.project();
    const cases: Array<[string[], RegExp, string]> = [
      [['frobnicate', '--json'], /unknown command 'frobnicate'/, 'otp-setup --help'],
      [['up', '--frob', '--json'], /unknown option '--frob'/, 'otp-setup up --help'],
      [['--json', 'test-auth'], /required option '--email <email>' not specified/, 'otp-setup test-auth --help'],
      [['init', '--preset', 'svelte', '--json'], /Allowed choices are vite, next, cra, expo/, 'otp-setup init --help'],
    ];
    for (const [args, message, help] of cases) {
      const result = await f.cli(dir, args);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stdout.trim().split('\n')).toHaveLength(1);
      expect(result.json).toMatchObject({ ok: false, error: { code: 'USAGE', message: expect.stringMatching(message) } });
      expect((result.json!.error as { resolution: string }).resolution).toContain(help);
    }
    expect(f.proxy.calls).toEqual([]);
  });

  it('a subcommand --help lists the global options too', async () => {
    const dir = await f.project();
    const help = await f.cli(dir, ['init', '--help']);
    expect(help.code).toBe(0);
    for (const option of ['--preset <framework>', '--json', '--region <region>', '--stage <stage>', '--config <path>', '--yes'])
      expect(help.stdout).toContain(option);
  });

  it('a profile missing from the AWS files is named as such; an existing one works', async () => {
    const dir = await f.project();
    const home = await mkdtemp(join(tmpdir(), 'otp-setup-home-'));
    const files = { HOME: home, AWS_CONFIG_FILE: join(home, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials') };
    await writeFile(files.AWS_SHARED_CREDENTIALS_FILE, '[dev]\naws_access_key_id = testing\naws_secret_access_key = testing\n');
    const missing = await f.cli(dir, ['plan', '--profile', 'does-not-exist'], files);
    expect(missing.code, missing.stderr).toBe(2);
    expect(missing.stderr).toContain('The AWS profile "does-not-exist" (--profile) does not exist');
    expect(missing.stderr).toContain('[PROFILE_NOT_FOUND]');
    expect(missing.stderr).toContain('Known profiles: dev.');
    expect(missing.stderr).not.toContain('No AWS credentials found');
    const ok = await f.cli(dir, ['plan', '--profile', 'dev'], { ...files, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined });
    expect(ok.code, ok.stderr).toBe(0);
    // With keys in the environment as well, --profile wins without the SDK's 9-line warning.
    const both = await f.cli(dir, ['plan', '--profile', 'dev'], files);
    expect(both.code, both.stderr).toBe(0);
    expect(both.stderr).not.toContain('Multiple credential sources');
  });

  it('an unwritable state folder is a user error naming it; the AWS change was applied and a re-run records it', async (ctx) => {
    const dir = await f.project();
    expect((await f.cli(dir, ['up'])).code).toBe(0);
    await writeFile(join(dir, 'otp-setup.config.json'), JSON.stringify({ ...BASE, otp: { length: 8 } }));
    const stateFolder = join(dir, '.otp-setup', 'state');
    const undo = await makeUnwritable(stateFolder);
    if (!undo) return ctx.skip();
    let failed;
    try {
      failed = await f.cli(dir, ['up']);
    } finally {
      await undo();
    }
    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stderr).toContain(`Cannot write the state file in ${stateFolder}`);
    expect(failed.stderr).toContain('[STATE_UNWRITABLE]');
    expect(failed.stderr).toContain('The AWS changes reported above were applied');
    expect(failed.stderr).toMatch(/: updated \(.*\), but not recorded in the state file/);
    expect(failed.stderr).not.toMatch(/INTERNAL|This is a bug|: failed/);
    const plan = await f.cli(dir, ['plan']);
    expect(plan.stdout).toContain('No changes');
    expect((await f.cli(dir, ['up'])).code).toBe(0);
  }, 120_000);

  it('config: a UTF-8 BOM loads; a 1 MB unknown key is echoed in a few hundred bytes', async () => {
    const dir = await f.project();
    await writeFile(join(dir, 'otp-setup.config.json'), `\uFEFF${JSON.stringify(BASE)}`);
    const bom = await f.cli(dir, ['plan']);
    expect(bom.code, bom.stderr).toBe(0);
    await writeFile(join(dir, 'otp-setup.config.json'), JSON.stringify({ ...BASE, ['k'.repeat(1_000_000)]: 1 }));
    const huge = await f.cli(dir, ['plan']);
    expect(huge.code).toBe(2);
    expect(huge.stderr).toContain('(1000000 characters): unknown field');
    expect(huge.stderr.length).toBeLessThan(1000);
  });

  it('--config naming a folder and a bad --stage are usage errors that blame the right thing', async () => {
    const dir = await f.project();
    const folder = await f.cli(dir, ['plan', '--config', dir]);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toContain(`${dir} is a folder, not a configuration file. [CONFIG_IS_FOLDER]`);
    const stage = await f.cli(dir, ['plan', '--stage', 'Prod_1']);
    expect(stage.code).toBe(2);
    expect(stage.stderr).toContain('--stage "Prod_1": must be 1-16 lower-case letters');
    expect(stage.stderr).not.toContain('Invalid configuration in');
  });

  it('package --out on /proc fails at once instead of hanging', async () => {
    const dir = await f.project();
    const result = await runCli(['package', '--out', '/proc/otp-setup-nope'], { cwd: dir, timeoutMs: 60_000 });
    expect(result.signal).toBeNull();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Cannot write the packages to /proc/otp-setup-nope');
    expect(result.stderr).toContain('[PACKAGE_WRITE_FAILED]');
  }, 90_000);

  it('a template without {{code}} is the same usage error in plan and preview, naming the file', async () => {
    const dir = await f.project({ ...BASE, email: { ...BASE.email, templates: { text: 't.txt' } } });
    await writeFile(join(dir, 't.txt'), 'Your code is missing\n');
    for (const command of ['plan', 'preview']) {
      const result = await f.cli(dir, [command]);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain('The text template has no {{code}} placeholder');
      expect(result.stderr).toContain(`Add {{code}} to ${join(dir, 't.txt')}`);
    }
  });

  it('init takes --preset, and blames a bad AWS_REGION on the environment', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'otp-setup-init-'));
    const bad = await runCli(['init', '--from', 'noreply@example.com', '--yes'], { cwd: dir, env: { AWS_REGION: 'bogus' } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('AWS_REGION=bogus (from the environment) is not an AWS region. [INVALID_REGION]');
    expect(bad.stderr).not.toContain('--from');
    const made = await runCli(['init', '--from', 'noreply@example.com', '--preset', 'next', '--yes'], {
      cwd: dir,
      env: { npm_command: 'exec' },
    });
    expect(made.code, made.stderr).toBe(0);
    expect(JSON.parse(await readFile(join(dir, 'otp-setup.config.json'), 'utf8')).frontend.preset).toBe('next');
    // Run through npx, the printed next steps must be typed with npx too.
    expect(made.stdout).toContain('Next: npx otp-setup plan');
  });

  it('init on a terminal asks for the frontend framework (pseudo-terminal via script)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'otp-setup-init-'));
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'CI') env[k] = v;
    // A pty from `script` has no size; give it one, as a real terminal has.
    const command = `stty cols 120 rows 40; '${process.execPath}' '${BIN}' init`;
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
      cwd: dir,
      env: { ...env, TERM: 'xterm', NO_COLOR: '1', AWS_REGION: 'eu-west-1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    child.stdout.on('data', (d: Buffer) => (screen += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    const shown = (text: string) => vi.waitFor(() => expect(screen).toContain(text), { timeout: 30_000, interval: 50 });
    await shown('Sender address');
    child.stdin.write('noreply@example.com\r');
    await shown('AWS region');
    child.stdin.write('\r');
    await shown('Frontend framework (vite, next, cra, expo');
    child.stdin.write('svelte\r');
    await shown('Enter one of vite, next, cra, expo');
    child.stdin.write('\u0015next\r');
    expect(await exited).toBe(0);
    child.stdin.end();
    const config = JSON.parse(await readFile(join(dir, 'otp-setup.config.json'), 'utf8'));
    expect(config).toMatchObject({ region: 'eu-west-1', email: { from: 'noreply@example.com' }, frontend: { preset: 'next' } });
  }, 90_000);

  it('status lists each resource once; a first up skips what is off instead of calling it unchanged; its next step is runnable', async () => {
    const dir = await f.project();
    const up = await f.cli(dir, ['up', '--stage', 'dev'], { npm_command: 'exec' });
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain('Done: 13 created, 3 skipped.');
    expect(up.stdout).not.toContain('unchanged');
    expect(up.stdout).toContain('npx otp-setup test-auth --email you@example.com --create-user --stage dev');
    const status = await f.cli(dir, ['status', '--stage', 'dev']);
    expect(status.code).toBe(0);
    for (const title of ['User pool', 'App client', 'Frontend .env']) {
      const lines = `${status.stdout}\n${status.stderr}`.split('\n').filter((l) => l.trimStart().startsWith(title));
      expect(lines, title).toHaveLength(1);
    }
  }, 120_000);

  it('test-auth refuses a --code of the wrong length before asking Cognito for anything', async () => {
    const dir = await f.project();
    expect((await f.cli(dir, ['up'])).code).toBe(0);
    f.proxy.reset();
    for (const code of ['12345', '1234567']) {
      const result = await f.cli(dir, ['test-auth', '--email', 'me@example.com', '--code', code]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`--code has ${code.length} digits, but this pool's codes have 6 (otp.length). [INVALID_CODE]`);
      expect(result.stderr).toContain('Nothing was sent and no attempt was used');
    }
    expect(f.proxy.calls.filter((c) => c.service === 'cognito-idp')).toEqual([]);
  }, 120_000);

  it('sandbox --host that is not an address of this machine is a usage error, not a bug', async () => {
    const dir = await f.project();
    const result = await runCli(['sandbox', '--host', '10.255.255.1', '--port', '0', '--no-env'], { cwd: dir, timeoutMs: 60_000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--host 10.255.255.1 is not an address of this machine (EADDRNOTAVAIL). [HOST_UNAVAILABLE]');
    expect(result.stderr).not.toContain('INTERNAL');
  }, 90_000);
});
