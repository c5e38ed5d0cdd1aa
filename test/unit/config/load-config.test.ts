import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../../src/config/load-config.js';
import { OtpError } from '../../../src/core/errors.js';

async function configFile(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'otp-setup-config-'));
  const path = join(dir, 'otp-setup.config.json');
  await writeFile(path, text);
  return path;
}

async function rejection(promise: Promise<unknown>): Promise<OtpError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OtpError);
  return err as OtpError;
}

const from = { email: { from: 'noreply@example.com' } };

describe('loadConfig', () => {
  it('loads a file saved with a UTF-8 byte order mark (Windows Notepad)', async () => {
    const path = await configFile(`\uFEFF${JSON.stringify(from)}`);
    expect((await loadConfig(path)).config.email.from).toBe('noreply@example.com');
  });

  it('echoes a huge unknown key truncated, not in full', async () => {
    const key = 'x'.repeat(100_000);
    const err = await rejection(loadConfig(await configFile(JSON.stringify({ ...from, [key]: 1 }))));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message.length).toBeLessThan(500);
    expect(err.message).toContain('… (100000 characters): unknown field');
  });

  it('a folder given as --config is named as a folder (usage error), not a permissions problem', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'otp-setup-config-'));
    await mkdir(join(dir, 'cfg'));
    const err = await rejection(loadConfig(join(dir, 'cfg')));
    expect(err).toMatchObject({ code: 'CONFIG_IS_FOLDER', exitCode: 2 });
    expect(err.resolution).toContain(join(dir, 'cfg', 'otp-setup.config.json'));
  });

  it('blames a bad --stage on the flag, not on the (valid) file', async () => {
    const path = await configFile(JSON.stringify(from));
    const err = await rejection(loadConfig(path, { stage: 'Prod_1' }));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain('Invalid option values');
    expect(err.message).toContain('--stage "Prod_1": must be 1-16 lower-case letters');
    expect(err.message).not.toContain(path);
  });

  it('still blames the file for its own problems when a flag is also given', async () => {
    const path = await configFile(JSON.stringify({ ...from, otp: { length: 3 } }));
    const err = await rejection(loadConfig(path, { stage: 'dev' }));
    expect(err.message).toContain(`Invalid configuration in ${path}`);
    expect(err.message).toContain('otp.length: must be at least 6 digits');
  });

  it('says what frontend.envFile takes instead of "Invalid input"', () => {
    const err = (() => {
      try {
        parseConfig({ ...from, frontend: { envFile: true } });
      } catch (e) {
        return e as OtpError;
      }
      throw new Error('expected a rejection');
    })();
    expect(err.details!.problems).toEqual(['frontend.envFile: must be a file path such as ".env", or false for no env file']);
  });
});
