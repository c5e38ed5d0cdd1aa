import { mkdtemp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { OtpError } from '../../../src/core/errors.js';
import { editEnv, parseEnv, readEnvFile, writeEnvFile } from '../../../src/frontend/env-file.js';

const OURS = { VITE_AWS_REGION: 'eu-west-1', VITE_EMAIL_OTP_USER_POOL_ID: 'eu-west-1_Abc123', VITE_EMAIL_OTP_CLIENT_ID: 'client123' };
const KEYS = Object.keys(OURS);

describe('editEnv', () => {
  it('writes the guide\'s keys under one header into an empty file', () => {
    expect(editEnv('', OURS)).toBe(
      '# Cognito email sign-in (written by otp-setup)\nVITE_AWS_REGION=eu-west-1\nVITE_EMAIL_OTP_USER_POOL_ID=eu-west-1_Abc123\nVITE_EMAIL_OTP_CLIENT_ID=client123\n',
    );
  });

  it('keeps the user\'s keys, comments, blank lines and order, and changes only our keys in place', () => {
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

  it('keeps an export prefix and drops stale duplicates that would override our value', () => {
    const before = 'export VITE_AWS_REGION=us-east-1\nOTHER=1\nVITE_AWS_REGION=us-west-2\n';
    const after = editEnv(before, { VITE_AWS_REGION: 'eu-west-1' });
    expect(after).toBe('export VITE_AWS_REGION=eu-west-1\nOTHER=1\n');
    expect(parseEnv(after).get('VITE_AWS_REGION')).toBe('eu-west-1');
  });

  it('removes only our keys and our header on teardown, leaving the user\'s file as it was', () => {
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
});
