import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../../src/aws/clients.js';
import { OtpError } from '../../../src/core/errors.js';

// The SDK reads the shared files named by these variables; each test points them at its own.
const VARS = ['AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_PROFILE'] as const;
let saved: Record<string, string | undefined>;

beforeEach(async () => {
  saved = Object.fromEntries(VARS.map((v) => [v, process.env[v]]));
  const dir = await mkdtemp(join(tmpdir(), 'otp-setup-aws-'));
  process.env.AWS_CONFIG_FILE = join(dir, 'config');
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
  await writeFile(process.env.AWS_CONFIG_FILE, '[profile work]\nregion = eu-west-1\n');
  await writeFile(process.env.AWS_SHARED_CREDENTIALS_FILE, '[dev]\naws_access_key_id = a\naws_secret_access_key = b\n');
  delete process.env.AWS_PROFILE;
});

afterEach(() => {
  for (const v of VARS) {
    if (saved[v] === undefined) delete process.env[v];
    else process.env[v] = saved[v];
  }
});

async function clientError(settings: Parameters<typeof createAwsClients>[0]): Promise<unknown> {
  const aws = createAwsClients(settings);
  try {
    await aws.sts();
    return undefined;
  } catch (err) {
    return err;
  } finally {
    aws.destroy();
  }
}

describe('a named AWS profile', () => {
  it('missing from both files: PROFILE_NOT_FOUND naming it, where it came from and the known ones', async () => {
    const err = await clientError({ region: 'us-east-1', profile: 'does-not-exist' });
    expect(err).toBeInstanceOf(OtpError);
    expect(err).toMatchObject({ code: 'PROFILE_NOT_FOUND', exitCode: 2 });
    expect((err as OtpError).message).toContain('"does-not-exist" (--profile)');
    expect((err as OtpError).resolution).toContain('Known profiles: dev, work.');
  });

  it('from AWS_PROFILE is checked too, and says so', async () => {
    process.env.AWS_PROFILE = 'nope';
    const err = await clientError({ region: 'us-east-1' });
    expect(err).toMatchObject({ code: 'PROFILE_NOT_FOUND' });
    expect((err as OtpError).message).toContain('"nope" (AWS_PROFILE)');
  });

  it('present in either file (config "profile x" or credentials "x"), or fixed credentials: no error', async () => {
    expect(await clientError({ region: 'us-east-1', profile: 'dev' })).toBeUndefined();
    expect(await clientError({ region: 'us-east-1', profile: 'work' })).toBeUndefined();
    expect(
      await clientError({ region: 'us-east-1', profile: 'nope', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }),
    ).toBeUndefined();
  });
});
