import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useStackFixture } from '../support/stack-fixture.js';

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
  { name: 'config is not JSON', config: '{ "email": { "from": "a@b.co" }, }', code: 2, errorCode: 'CONFIG_INVALID_JSON', says: ['is not valid JSON', 'trailing comma'] },
  { name: 'unknown top-level field', config: { ...BASE, otpp: { length: 6 } }, code: 2, errorCode: 'CONFIG_INVALID', says: ['otpp: unknown field (did you mean "otp"?)', 'Fix the fields named above'] },
  { name: 'unknown nested field', config: { ...BASE, otp: { lenght: 6 } }, code: 2, errorCode: 'CONFIG_INVALID', says: ['otp.lenght: unknown field (did you mean "length"?)'] },
  { name: 'config is an array', config: [BASE], code: 2, errorCode: 'CONFIG_INVALID', says: [/\(top level\)|expected object/i] },
  { name: 'missing sender', config: { region: 'us-east-1' }, code: 2, errorCode: 'CONFIG_INVALID', says: ['email: is required'] },
  { name: 'invalid email', config: { ...BASE, email: { from: 'noreply-at-example.com' } }, code: 2, errorCode: 'CONFIG_INVALID', says: ['email.from: must be an email address such as noreply@example.com'] },
  { name: 'email with a newline (header injection)', config: { ...BASE, email: { from: 'a@example.com\nBcc: x@evil.com' } }, code: 2, errorCode: 'CONFIG_INVALID', says: ['email.from: must be an email address'] },
  { name: 'invalid region in config', config: { ...BASE, region: 'mars-north-1x' }, code: 2, errorCode: 'CONFIG_INVALID', says: ['region: must be an AWS region such as us-east-1'] },
  { name: 'invalid --region flag', config: BASE, args: ['--region', 'useast1'], code: 2, errorCode: 'INVALID_REGION', says: ['--region useast1 is not an AWS region', 'such as us-east-1'] },
  { name: 'invalid stage', config: { ...BASE, stage: 'Prod_1' }, code: 2, errorCode: 'CONFIG_INVALID', says: ['stage: must be 1-16 lower-case letters, digits or dashes, e.g. dev'] },
  { name: 'invalid --stage flag', config: BASE, args: ['--stage', '../../etc'], code: 2, errorCode: 'CONFIG_INVALID', says: ['stage: must be 1-16 lower-case letters'] },
  { name: 'OTP too short', config: { ...BASE, otp: { length: 4 } }, code: 2, errorCode: 'CONFIG_INVALID', says: ['otp.length: must be at least 6 digits'] },
  { name: 'OTP too long', config: { ...BASE, otp: { length: 11 } }, code: 2, errorCode: 'CONFIG_INVALID', says: ['otp.length: must be at most 10 digits'] },
  { name: 'OTP length not a number', config: { ...BASE, otp: { length: '6' } }, code: 2, errorCode: 'CONFIG_INVALID', says: ['otp.length: must be a whole number of digits'] },
  { name: 'OTP length fractional', config: { ...BASE, otp: { length: 6.5 } }, code: 2, errorCode: 'CONFIG_INVALID', says: ['otp.length: must be a whole number of digits'] },
  { name: 'TTL beyond the auth session', config: { ...BASE, otp: { ttlSeconds: 600 } }, code: 2, errorCode: 'CONFIG_INVALID', says: ['otp.ttlSeconds: must not exceed client.authSessionValidityMinutes (3 min = 180 s)'] },
  { name: 'TTL too short', config: { ...BASE, otp: { ttlSeconds: 5 } }, code: 2, errorCode: 'CONFIG_INVALID', says: ['otp.ttlSeconds: must be at least 30 seconds'] },
  { name: 'max attempts zero', config: { ...BASE, otp: { maxAttempts: 0 } }, code: 2, errorCode: 'CONFIG_INVALID', says: ['otp.maxAttempts: must be at least 1 attempts'] },
  { name: 'auth session above Cognito max', config: { ...BASE, client: { authSessionValidityMinutes: 16 } }, code: 2, errorCode: 'CONFIG_INVALID', says: ['client.authSessionValidityMinutes: must be at most 15 minutes'] },
  { name: 'access token below Cognito min', config: { ...BASE, client: { accessTokenValidityMinutes: 2 } }, code: 2, errorCode: 'CONFIG_INVALID', says: ['client.accessTokenValidityMinutes: must be at least 5 minutes'] },
  { name: 'id token above Cognito max', config: { ...BASE, client: { idTokenValidityMinutes: 1441 } }, code: 2, errorCode: 'CONFIG_INVALID', says: ['client.idTokenValidityMinutes: must be at most 1440 minutes'] },
  { name: 'refresh token above Cognito max', config: { ...BASE, client: { refreshTokenValidityDays: 3651 } }, code: 2, errorCode: 'CONFIG_INVALID', says: ['client.refreshTokenValidityDays: must be at most 3650 days'] },
  { name: 'several problems at once are all named', config: { ...BASE, otp: { length: 3 }, stage: 'X' }, code: 2, errorCode: 'CONFIG_INVALID', says: ['otp.length:', 'stage:'] },
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
          for (const s of c.says) expect(result.stderr).toMatch(typeof s === 'string' ? new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : s);
          // A resolution line: what to do about it.
          expect(result.stderr).toMatch(/\n {2}→ \S/);
        }
        expect(f.proxy.writes()).toEqual([]);
        expect(await snapshot(dir)).toEqual(before);
      }
    }, 30_000);
  }
});
