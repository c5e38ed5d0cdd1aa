import { execFileSync } from 'node:child_process';
import { chmod, chown, lstat, mkdtemp, mkdir, readdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { OtpError } from '../../../src/core/errors.js';
import { deleteEnvFile, editEnv, parseEnv, preflightEnvFile, readEnvFile, writeEnvFile } from '../../../src/frontend/env-file.js';

const isRoot = process.getuid?.() === 0;

async function errorOf(promise: Promise<unknown>): Promise<OtpError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof OtpError)) throw new Error(`expected an OtpError, got ${String(error)}`);
  return error;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  return (await errorOf(promise)).code;
}

const OURS = { VITE_AWS_REGION: 'eu-west-1', VITE_EMAIL_OTP_USER_POOL_ID: 'eu-west-1_Abc123', VITE_EMAIL_OTP_CLIENT_ID: 'client123' };
const KEYS = Object.keys(OURS);

describe('editEnv', () => {
  it("writes the guide's keys under one header into an empty file", () => {
    expect(editEnv('', OURS)).toBe(
      '# Cognito email sign-in (written by otp-setup)\nVITE_AWS_REGION=eu-west-1\nVITE_EMAIL_OTP_USER_POOL_ID=eu-west-1_Abc123\nVITE_EMAIL_OTP_CLIENT_ID=client123\n',
    );
  });

  it("keeps the user's keys, comments, blank lines and order, and changes only our keys in place", () => {
    const before = '# my app\nAPI_URL=https://api.example.com\n\n# auth\nVITE_EMAIL_OTP_CLIENT_ID=old  # staging client\nFEATURE_X=1\n';
    const after = editEnv(before, OURS);
    expect(after).toBe(
      '# my app\nAPI_URL=https://api.example.com\n\n# auth\nVITE_EMAIL_OTP_CLIENT_ID=client123  # staging client\nFEATURE_X=1\n\n# Cognito email sign-in (written by otp-setup)\nVITE_AWS_REGION=eu-west-1\nVITE_EMAIL_OTP_USER_POOL_ID=eu-west-1_Abc123\n',
    );
    // Idempotent: a second run changes nothing.
    expect(editEnv(after, OURS)).toBe(after);
  });

  it('keeps CRLF line endings and a missing final newline stays missing only for untouched files', () => {
    const before = 'A=1\r\nB="two words"\r\n';
    const after = editEnv(before, OURS);
    expect(after.split('\r\n').length).toBe(after.split('\n').length);
    expect(after).toContain('A=1\r\nB="two words"\r\n\r\n# Cognito email sign-in (written by otp-setup)\r\nVITE_AWS_REGION=eu-west-1\r\n');
    expect(editEnv(after, {}, KEYS)).toBe(before);
  });

  it('quotes values that need it and parses them back', () => {
    const text = editEnv('', { X_SPACE: 'a b', X_HASH: 'a#b c', X_QUOTE: 'say "hi"', X_URL: 'http://127.0.0.1:4566/' });
    expect(text).toContain('X_URL=http://127.0.0.1:4566/\n');
    expect(text).toContain('X_SPACE="a b"\n');
    const parsed = parseEnv(text);
    expect(parsed.get('X_SPACE')).toBe('a b');
    expect(parsed.get('X_HASH')).toBe('a#b c');
    expect(parsed.get('X_URL')).toBe('http://127.0.0.1:4566/');
  });

  it('parses export prefixes, quotes, inline comments and CRLF like dotenv', () => {
    const parsed = parseEnv('export A=1\r\nB = "x y" # note\r\nC=\'single\'\r\nD=plain # comment\r\nE=#only-comment\r\n# F=commented\r\n');
    expect(Object.fromEntries(parsed)).toEqual({ A: '1', B: 'x y', C: 'single', D: 'plain', E: '' });
  });

  it('keeps an export prefix and sets every duplicate, since dotenv lets a later one override ours', () => {
    const before = 'export VITE_AWS_REGION=us-east-1\nOTHER=1\nVITE_AWS_REGION = us-west-2 # later\n';
    const after = editEnv(before, { VITE_AWS_REGION: 'eu-west-1' });
    expect(after).toBe('export VITE_AWS_REGION=eu-west-1\nOTHER=1\nVITE_AWS_REGION = eu-west-1 # later\n');
    expect(parseEnv(after).get('VITE_AWS_REGION')).toBe('eu-west-1');
  });

  it("keeps each line's own ending in a file that mixes LF and CRLF", () => {
    const before = 'A=1\r\nB=2\nC=3\r\nD=4\n';
    const after = editEnv(before, { B: 'x', ...OURS });
    expect(after.startsWith('A=1\r\nB=x\nC=3\r\nD=4\n')).toBe(true);
    expect(editEnv(after, { B: '2' }, KEYS)).toBe(before);
  });

  it('keeps a missing final newline missing, through a write and a removal', () => {
    for (const before of ['A=1', 'A=1\r\nB=2', '# only a comment']) {
      const after = editEnv(before, OURS);
      expect(after.endsWith('\n')).toBe(false);
      expect(after).toContain('VITE_EMAIL_OTP_CLIENT_ID=client123');
      expect(editEnv(after, {}, KEYS)).toBe(before);
    }
  });

  it('adds a key that is new under our existing header, not in a second block', () => {
    const before = editEnv('A=1\n', { VITE_AWS_REGION: 'eu-west-1' }) + 'MINE=2\n';
    const after = editEnv(before, OURS);
    expect(after.match(/written by otp-setup/g)).toHaveLength(1);
    expect(after).toBe(
      'A=1\n\n# Cognito email sign-in (written by otp-setup)\nVITE_AWS_REGION=eu-west-1\nVITE_EMAIL_OTP_USER_POOL_ID=eu-west-1_Abc123\nVITE_EMAIL_OTP_CLIENT_ID=client123\nMINE=2\n',
    );
    // The header goes with our keys; the user's line added below them stays.
    expect(editEnv(after, {}, KEYS)).toBe('A=1\n\nMINE=2\n');
  });

  it("removes only our keys and our header on teardown, leaving the user's file as it was", () => {
    const before = '# mine\nA=1\n';
    const withOurs = editEnv(before, OURS);
    expect(editEnv(withOurs, {}, KEYS)).toBe(before);
    expect(editEnv(editEnv('', OURS), {}, KEYS)).toBe('');
  });

  it('does not touch keys that merely share our prefix', () => {
    const before = 'VITE_AWS_REGION_OVERRIDE=x\nVITE_APP_NAME=demo\n';
    expect(editEnv(editEnv(before, OURS), {}, KEYS)).toBe(before);
  });
});

describe('env file I/O', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'otp-env-'));
  });

  it('reads a missing file as undefined and creates missing folders on write', async () => {
    const path = join(dir, 'web', 'app', '.env.local');
    expect(await readEnvFile(path)).toBeUndefined();
    await writeEnvFile(path, 'A=1\n');
    expect(await readFile(path, 'utf8')).toBe('A=1\n');
  });

  it('fails with ENV_UNWRITABLE and writes nothing when the parent "folder" is a file', async () => {
    await writeFile(join(dir, 'web'), 'not a folder');
    const path = join(dir, 'web', '.env');
    const error = await writeEnvFile(path, 'A=1\n').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OtpError);
    expect((error as OtpError).code).toBe('ENV_UNWRITABLE');
    expect((error as OtpError).message).toContain(path);
    expect((error as OtpError).resolution).toMatch(/frontend\.envFile/);
    expect(await readFile(join(dir, 'web'), 'utf8')).toBe('not a folder');
    expect(await readdir(dir)).toEqual(['web']);
  });

  it('fails with ENV_UNREADABLE when the path is a folder, and ENV_UNWRITABLE without leaving a temp file', async () => {
    const path = join(dir, '.env');
    await mkdir(path);
    const read = await readEnvFile(path).catch((e: unknown) => e);
    expect((read as OtpError).code).toBe('ENV_UNREADABLE');
    expect((read as OtpError).resolution).toMatch(/not a folder/);
    const write = await writeEnvFile(path, 'A=1\n').catch((e: unknown) => e);
    expect((write as OtpError).code).toBe('ENV_UNWRITABLE');
    expect(await readdir(dir)).toEqual(['.env']);
    expect(await readdir(path)).toEqual([]);
  });

  it('writes through a symlink to its target and keeps the link', async () => {
    await mkdir(join(dir, 'shared'));
    await writeFile(join(dir, 'shared', 'common.env'), 'A=1\n');
    await symlink('shared/common.env', join(dir, '.env'));
    await writeEnvFile(join(dir, '.env'), 'A=1\nB=2\n');
    expect((await lstat(join(dir, '.env'))).isSymbolicLink()).toBe(true);
    expect(await readlink(join(dir, '.env'))).toBe('shared/common.env');
    expect(await readFile(join(dir, 'shared', 'common.env'), 'utf8')).toBe('A=1\nB=2\n');
    expect((await readdir(join(dir, 'shared'))).sort()).toEqual(['common.env']);
    // A link whose target does not exist yet: the target is created, the link stays.
    await symlink('shared/later.env', join(dir, 'dangling.env'));
    await writeEnvFile(join(dir, 'dangling.env'), 'C=3\n');
    expect((await lstat(join(dir, 'dangling.env'))).isSymbolicLink()).toBe(true);
    expect(await readFile(join(dir, 'shared', 'later.env'), 'utf8')).toBe('C=3\n');
  });

  it("keeps the file's mode (a chmod 600 .env stays 600) and, as root, its owner", async () => {
    const path = join(dir, '.env');
    await writeFile(path, 'SECRET=x\n');
    await chmod(path, 0o600);
    if (isRoot) await chown(path, 4321, 4321);
    await writeEnvFile(path, 'SECRET=x\nB=2\n');
    const after = await stat(path);
    expect(after.mode & 0o777).toBe(0o600);
    if (isRoot) expect([after.uid, after.gid]).toEqual([4321, 4321]);
    expect(await readFile(path, 'utf8')).toBe('SECRET=x\nB=2\n');
  });

  it('refuses a read-only file, even as root, and leaves it as it was', async () => {
    const path = join(dir, '.env');
    await writeFile(path, 'A=1\n');
    await chmod(path, 0o444);
    expect(await codeOf(writeEnvFile(path, 'A=2\n'))).toBe('ENV_READ_ONLY');
    expect(await codeOf(preflightEnvFile(path))).toBe('ENV_READ_ONLY');
    expect(await codeOf(deleteEnvFile(path))).toBe('ENV_READ_ONLY');
    const error = await errorOf(writeEnvFile(path, 'A=2\n'));
    expect(error.message).toContain('read-only (mode 0444)');
    expect(error.resolution).toMatch(/chmod u\+w/);
    expect(await readFile(path, 'utf8')).toBe('A=1\n');
    expect((await stat(path)).mode & 0o777).toBe(0o444);
  });

  it('refuses a FIFO without opening it (a read would block forever)', async () => {
    const path = join(dir, '.env');
    execFileSync('mkfifo', [path]);
    expect(await codeOf(readEnvFile(path))).toBe('ENV_NOT_A_FILE');
    expect(await codeOf(writeEnvFile(path, 'A=1\n'))).toBe('ENV_NOT_A_FILE');
    expect((await lstat(path)).isFIFO()).toBe(true);
    expect(await readdir(dir)).toEqual(['.env']);
  });

  it('refuses /dev/null with advice to set envFile to false, and never replaces it', async () => {
    // Reading and the preflight are harmless on the real device; the write is tried on a copy of it.
    const read = await errorOf(readEnvFile('/dev/null'));
    expect(read.code).toBe('ENV_NOT_A_FILE');
    expect(read.message).toContain('/dev/null is a character device');
    expect(read.resolution).toMatch(/"envFile": false/);
    expect(await codeOf(preflightEnvFile('/dev/null'))).toBe('ENV_NOT_A_FILE');
    expect((await stat('/dev/null')).isCharacterDevice()).toBe(true);
  });

  it.runIf(isRoot)('refuses a device node (a copy of /dev/null), directly or through a symlink, and keeps it a device', async () => {
    const device = join(dir, 'null');
    execFileSync('mknod', [device, 'c', '1', '3']);
    await symlink('null', join(dir, '.env'));
    for (const path of [device, join(dir, '.env')]) {
      expect(await codeOf(writeEnvFile(path, 'A=1\n'))).toBe('ENV_NOT_A_FILE');
      expect(await codeOf(deleteEnvFile(path))).toBe('ENV_NOT_A_FILE');
    }
    expect((await lstat(device)).isCharacterDevice()).toBe(true);
    expect((await readdir(dir)).sort()).toEqual(['.env', 'null']);
  });
});
