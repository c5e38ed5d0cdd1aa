import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeUserPoolCommand } from '@aws-sdk/client-cognito-identity-provider';
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { ListIdentitiesCommand, SESClient } from '@aws-sdk/client-ses';
import { describe, expect, it } from 'vitest';
import { BASE_CONFIG, useStackFixture } from '../support/stack-fixture.js';

const f = useStackFixture();

describe('region settings', () => {
  it("without --region, a config region or AWS_REGION, the selected profile's region from ~/.aws/config is used", async () => {
    const home = await mkdtemp(join(tmpdir(), 'otp-setup-aws-config-'));
    const configFile = join(home, 'config');
    // The profile carries its own (dummy) keys: with a profile selected the SDK skips AWS_ACCESS_KEY_ID.
    await writeFile(
      configFile,
      '[profile eu]\nregion = eu-west-1\naws_access_key_id = testing\naws_secret_access_key = testing\n\n[default]\nregion = ap-southeast-2\n',
    );
    const files = {
      AWS_CONFIG_FILE: configFile,
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
      AWS_REGION: undefined,
      AWS_DEFAULT_REGION: undefined,
    };
    const dir = await f.project({ email: { from: 'noreply@example.com' } });

    const byFlag = await f.spawnCli(dir, ['plan', '--profile', 'eu', '--json'], files);
    expect(byFlag.code, byFlag.stderr).toBe(0);
    expect(byFlag.json!.region).toBe('eu-west-1');
    const byEnv = await f.spawnCli(dir, ['plan', '--json'], { ...files, AWS_PROFILE: 'eu' });
    expect(byEnv.json!.region).toBe('eu-west-1');
    const byDefault = await f.spawnCli(dir, ['plan', '--json'], files);
    expect(byDefault.json!.region).toBe('ap-southeast-2');
    // AWS_REGION, the config's region and --region still come first.
    expect((await f.spawnCli(dir, ['plan', '--profile', 'eu', '--json'], { ...files, AWS_REGION: 'us-west-2' })).json!.region).toBe(
      'us-west-2',
    );
    expect((await f.spawnCli(dir, ['plan', '--profile', 'eu', '--region', 'ca-central-1', '--json'], files)).json!.region).toBe(
      'ca-central-1',
    );
  });

  it('a profile region that is not a region is a usage error naming the profile', async () => {
    const home = await mkdtemp(join(tmpdir(), 'otp-setup-aws-config-'));
    await writeFile(join(home, 'config'), '[profile odd]\nregion = moon\n');
    const dir = await f.project({ email: { from: 'noreply@example.com' } });
    const result = await f.spawnCli(dir, ['plan'], {
      AWS_CONFIG_FILE: join(home, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
      AWS_REGION: undefined,
      AWS_PROFILE: 'odd',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('The AWS profile "odd" sets region = moon, which is not an AWS region. [INVALID_REGION]');
    expect(f.proxy.calls).toEqual([]);
  });

  it("email.sesRegion: the identity, the pool's SourceArn and the code email all use SES in that region", async () => {
    const dir = await f.project({ ...BASE_CONFIG, email: { from: 'noreply@example.com', sesRegion: 'us-west-2' } });
    const up = await f.cli(dir, ['up', '--json']);
    expect(up.code, up.stderr).toBe(0);

    const ses = (region: string) =>
      new SESClient({ region, endpoint: f.moto.url, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    const [west, east] = [ses('us-west-2'), ses('us-east-1')];
    try {
      expect((await west.send(new ListIdentitiesCommand({}))).Identities).toEqual(['noreply@example.com']);
      expect((await east.send(new ListIdentitiesCommand({}))).Identities ?? []).toEqual([]);
    } finally {
      west.destroy();
      east.destroy();
    }
    const pool = await f.sdk.cognito.send(new DescribeUserPoolCommand({ UserPoolId: up.json!.userPoolId as string }));
    expect(pool.UserPool!.EmailConfiguration).toMatchObject({
      EmailSendingAccount: 'DEVELOPER',
      SourceArn: 'arn:aws:ses:us-west-2:123456789012:identity/noreply@example.com',
    });
    const create = await f.sdk.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'email-otp-create-auth-challenge' }));
    expect(create.Environment!.Variables!.SES_REGION).toBe('us-west-2');

    // A second run finds the identity where it is: nothing to change.
    const again = await f.cli(dir, ['up', '--json']);
    expect(again.json!.counts).not.toHaveProperty('created');
    expect(again.json!.counts).not.toHaveProperty('updated');
  });

  it('the pool is created on the LITE tier unless configured otherwise', async () => {
    const dir = await f.project();
    expect((await f.cli(dir, ['up'])).code).toBe(0);
    const create = f.proxy.calls.find((c) => c.action === 'CreateUserPool')!;
    expect(JSON.parse(create.body)).toMatchObject({ UserPoolTier: 'LITE' });
  });
});
