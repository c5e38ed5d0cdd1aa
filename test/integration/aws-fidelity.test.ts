import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CloudWatchClient, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, CreateLogGroupCommand, ListTagsForResourceCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  CreateUserPoolDomainCommand,
  DeleteUserPoolDomainCommand,
  DescribeUserPoolCommand,
  ListUserPoolsCommand,
  UpdateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, GetFunctionCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { VerifyDomainIdentityCommand } from '@aws-sdk/client-ses';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { startCli, type RunningCli } from '../support/cli.js';
import { motoEnv } from '../support/moto.js';
import { BASE_CONFIG, useStackFixture } from '../support/stack-fixture.js';

// Each test here meets a behaviour of real AWS that moto lacks, reproduced by the realism layer
// (test/support/realism) the proxy applies by default; each failed before the fix it covers.

const f = useStackFixture();
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
/** SDK clients that go through the proxy, so they meet AWS's answers rather than moto's. */
const viaProxy = () => ({ region: 'us-east-1', endpoint: f.proxy.url, credentials });

async function up(dir: string, extra: string[] = []) {
  const result = await f.cli(dir, ['up', '--json', ...extra]);
  expect(result.stderr).not.toMatch(/at .*\.js:\d+/);
  expect(result.code, result.stderr).toBe(0);
  return result;
}

/** Runs `up` and SIGKILLs it as soon as AWS has answered `action`, before the CLI sees the answer. */
async function killUpAfter(dir: string, action: string): Promise<void> {
  let cli: RunningCli | undefined;
  f.proxy.onResponse = async (call) => {
    if (call.action === action && cli) {
      cli.kill('SIGKILL');
      await cli.done;
    }
  };
  cli = startCli(['up'], { cwd: dir, env: motoEnv(f.proxy.url) });
  expect((await cli.done).signal).toBe('SIGKILL');
  delete f.proxy.onResponse;
}

describe('the realism layer answers as AWS does', () => {
  it('DescribeUserPool carries the fields AWS fills in, and UpdateUserPool refuses them back', async () => {
    const cognito = new CognitoIdentityProviderClient(viaProxy());
    const { UserPool } = await f.sdk.cognito.send(
      new CreateUserPoolCommand({ PoolName: 'p', AdminCreateUserConfig: { AllowAdminCreateUserOnly: false } }),
    );
    const described = (await cognito.send(new DescribeUserPoolCommand({ UserPoolId: UserPool!.Id }))).UserPool!;
    expect(described.AdminCreateUserConfig!.UnusedAccountValidityDays).toBe(7);
    expect(described.Policies!.PasswordPolicy!.TemporaryPasswordValidityDays).toBe(7);
    expect(described.UserPoolTier).toBe('ESSENTIALS');
    const echo = cognito.send(
      new UpdateUserPoolCommand({
        UserPoolId: UserPool!.Id!,
        AdminCreateUserConfig: described.AdminCreateUserConfig,
        Policies: described.Policies,
      }),
    );
    await expect(echo).rejects.toThrow('Please use TemporaryPasswordValidityDays in PasswordPolicy instead of UnusedAccountValidityDays');
    const lite = cognito.send(
      new UpdateUserPoolCommand({ UserPoolId: UserPool!.Id!, UserPoolTier: 'LITE', AcrConfiguration: described.AcrConfiguration }),
    );
    await expect(lite).rejects.toMatchObject({ name: 'FeatureUnavailableInTierException' });
    cognito.destroy();
  });

  it('refuses names longer than AWS allows, which moto accepts', async () => {
    const long = (n: number) => 'x'.repeat(n);
    const iam = new IAMClient(viaProxy());
    const lambda = new LambdaClient(viaProxy());
    const cognito = new CognitoIdentityProviderClient(viaProxy());
    const db = new DynamoDBClient(viaProxy());
    const logs = new CloudWatchLogsClient(viaProxy());
    const cw = new CloudWatchClient(viaProxy());
    const sns = new SNSClient(viaProxy());
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [] });
    await expect(iam.send(new CreateRoleCommand({ RoleName: long(65), AssumeRolePolicyDocument: trust }))).rejects.toThrow(
      /length less than or equal to 64/,
    );
    await expect(
      lambda.send(
        new CreateFunctionCommand({
          FunctionName: long(65),
          Role: 'arn:aws:iam::123456789012:role/r',
          Code: { ZipFile: new Uint8Array([1]) },
        }),
      ),
    ).rejects.toThrow(/64/);
    await expect(cognito.send(new CreateUserPoolCommand({ PoolName: long(129) }))).rejects.toThrow(/128/);
    await expect(cognito.send(new CreateUserPoolCommand({ PoolName: 'no/slash' }))).rejects.toThrow(/pattern/);
    const { UserPool } = await f.sdk.cognito.send(new CreateUserPoolCommand({ PoolName: 'p' }));
    await expect(cognito.send(new CreateUserPoolClientCommand({ UserPoolId: UserPool!.Id, ClientName: long(129) }))).rejects.toThrow(/128/);
    const table = {
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' as const }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' as const }],
      BillingMode: 'PAY_PER_REQUEST' as const,
    };
    await expect(db.send(new CreateTableCommand({ TableName: 'ab', ...table }))).rejects.toThrow(/greater than or equal to 3/);
    await expect(db.send(new CreateTableCommand({ TableName: long(256), ...table }))).rejects.toThrow(/255/);
    await expect(logs.send(new CreateLogGroupCommand({ logGroupName: long(513) }))).rejects.toThrow(/512/);
    const alarm = {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Statistic: 'Sum' as const,
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold' as const,
    };
    await expect(cw.send(new PutMetricAlarmCommand({ AlarmName: long(256), ...alarm }))).rejects.toThrow(/255/);
    await expect(sns.send(new CreateTopicCommand({ Name: long(257) }))).rejects.toThrow(/256/);
    for (const c of [iam, lambda, cognito, db, logs, cw, sns]) c.destroy();
  });
});

describe('fixes for calls that fail on AWS although moto accepts them', () => {
  it('pool updates and teardown of a protected pool send nothing AWS refuses back', async () => {
    const dir = await f.project({ ...BASE_CONFIG, userPool: { deletionProtection: true } });
    const first = await up(dir);
    // A pool change: deletion protection off, as a user would flip it.
    await writeFile(join(dir, 'otp-setup.config.json'), JSON.stringify({ ...BASE_CONFIG, userPool: { deletionProtection: false } }));
    f.proxy.reset();
    await up(dir);
    const update = f.proxy.calls.find((c) => c.action === 'UpdateUserPool')!;
    expect(update.realism).toBeUndefined();
    const sent = JSON.parse(update.body);
    expect(sent.AdminCreateUserConfig).toEqual({ AllowAdminCreateUserOnly: false });
    expect(sent.Policies.PasswordPolicy.TemporaryPasswordValidityDays).toBe(7);
    // Tier-gated blocks are not echoed (the defaults are kept by omission), the tier is.
    expect(sent.AcrConfiguration).toBeUndefined();
    expect(sent.DcrConfiguration).toBeUndefined();
    expect(sent.UserPoolTier).toBe('LITE');
    // Protected again, then torn down: protection is turned off with the same merged update.
    await writeFile(join(dir, 'otp-setup.config.json'), JSON.stringify({ ...BASE_CONFIG, userPool: { deletionProtection: true } }));
    await up(dir);
    const teardown = await f.cli(dir, ['teardown', '--yes']);
    expect(teardown.code, teardown.stderr).toBe(0);
    expect(teardown.stderr).toContain('after turning its deletion protection off');
    expect((await f.sdk.cognito.send(new ListUserPoolsCommand({ MaxResults: 60 }))).UserPools!.map((p) => p.Id)).not.toContain(
      first.json!.userPoolId,
    );
  });

  it('in DEVELOPER mode the pool sends as From (with email.fromName), also when only the domain is verified', async () => {
    await f.sdk.ses.send(new VerifyDomainIdentityCommand({ Domain: 'example.com' }));
    const dir = await f.project({ ...BASE_CONFIG, email: { ...BASE_CONFIG.email, fromName: 'Acme Sign-in' } });
    const first = await up(dir);
    const { UserPool } = await f.sdk.cognito.send(new DescribeUserPoolCommand({ UserPoolId: first.json!.userPoolId as string }));
    expect(UserPool!.EmailConfiguration).toMatchObject({
      EmailSendingAccount: 'DEVELOPER',
      SourceArn: 'arn:aws:ses:us-east-1:123456789012:identity/example.com',
      From: '"Acme Sign-in" <noreply@example.com>',
    });
    f.proxy.reset();
    await up(dir);
    expect(f.proxy.writes()).toEqual([]);
  });

  it('recognises its functions although GetFunction withholds their tags (no lambda:ListTags allow)', async () => {
    const dir = await f.project();
    await up(dir);
    const lambda = new LambdaClient(viaProxy());
    expect((await lambda.send(new GetFunctionCommand({ FunctionName: 'email-otp-pre-sign-up' }))).Tags).toBeUndefined();
    lambda.destroy();
    f.proxy.reset();
    const again = await up(dir);
    expect(again.json!.counts).toEqual({ unchanged: 13, skipped: 3 });
    expect(f.proxy.calls.filter((c) => c.action === 'ListTags')).toHaveLength(5);
    const teardown = await f.cli(dir, ['teardown', '--yes']);
    expect(teardown.code, teardown.stderr).toBe(0);
    expect((await f.sdk.lambda.send(new ListFunctionsCommand({}))).Functions).toEqual([]);
  });

  it('up leaves every function Active with its last update Successful', async () => {
    const dir = await f.project();
    await up(dir);
    // Code and settings change in one run: each update waits for the previous one.
    await writeFile(join(dir, 'subject.txt'), 'Your Acme code\n');
    await writeFile(
      join(dir, 'otp-setup.config.json'),
      JSON.stringify({ ...BASE_CONFIG, otp: { length: 8 }, email: { ...BASE_CONFIG.email, templates: { subject: 'subject.txt' } } }),
    );
    await up(dir);
    const lambda = new LambdaClient(viaProxy());
    for (const kind of ['create-auth-challenge', 'define-auth-challenge', 'verify-auth-challenge', 'pre-sign-up']) {
      const conf = (await lambda.send(new GetFunctionCommand({ FunctionName: `email-otp-${kind}` }))).Configuration!;
      expect([conf.State, conf.LastUpdateStatus ?? 'Successful'], kind).toEqual(['Active', 'Successful']);
    }
    lambda.destroy();
    expect(f.proxy.calls.filter((c) => c.realism === 'lambda-function-states')).toEqual([]);
  });

  it('an up right after one that stopped mid-update waits for the update in progress (no ResourceConflictException)', async () => {
    const dir = await f.project();
    await up(dir);
    await writeFile(join(dir, 'subject.txt'), 'Your Acme code\n');
    await writeFile(
      join(dir, 'otp-setup.config.json'),
      JSON.stringify({ ...BASE_CONFIG, otp: { length: 8 }, email: { ...BASE_CONFIG.email, templates: { subject: 'subject.txt' } } }),
    );
    // Killed as soon as AWS accepted the new code: the function is left InProgress.
    await killUpAfter(dir, 'UpdateFunctionCode');
    const again = await f.cli(dir, ['up', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(f.proxy.calls.filter((c) => c.realism === 'lambda-function-states')).toEqual([]);
  });

  it('with tracing on, the X-Ray permission lag after the role policy changes is waited out', async () => {
    const dir = await f.project();
    await up(dir);
    await writeFile(join(dir, 'otp-setup.config.json'), JSON.stringify({ ...BASE_CONFIG, monitoring: { tracing: true } }));
    f.proxy.reset();
    const result = await up(dir);
    expect(f.proxy.realism!.fired['iam-propagation']).toBeGreaterThanOrEqual(1);
    expect(result.json!.retries as number).toBeGreaterThanOrEqual(1);
    const updates = f.proxy.calls
      .filter((c) => c.action === 'UpdateFunctionConfiguration' && !c.realism)
      .map((c) => JSON.parse(c.body).TracingConfig);
    expect(updates).toEqual(Array(5).fill({ Mode: 'Active' }));
  });

  it('a domain someone added to our pool stops teardown with a clear error; teardown finishes once it is gone', async () => {
    const dir = await f.project();
    const first = await up(dir);
    const UserPoolId = first.json!.userPoolId as string;
    await f.sdk.cognito.send(new CreateUserPoolDomainCommand({ UserPoolId, Domain: 'acme-login' }));
    const refused = await f.cli(dir, ['teardown', '--yes', '--json']);
    expect(refused.code).toBe(1);
    expect(refused.json).toMatchObject({ ok: false, error: { code: 'POOL_HAS_DOMAIN' } });
    expect((refused.json!.error as { resolution: string }).resolution).toContain('delete-user-pool-domain');
    expect(f.proxy.calls.filter((c) => c.action === 'DeleteUserPool')).toEqual([]);
    expect((await f.sdk.cognito.send(new DescribeUserPoolCommand({ UserPoolId }))).UserPool).toBeDefined();
    await f.sdk.cognito.send(new DeleteUserPoolDomainCommand({ UserPoolId, Domain: 'acme-login' }));
    const done = await f.cli(dir, ['teardown', '--yes']);
    expect(done.code, done.stderr).toBe(0);
  });

  it('teardown waits for a table that is still being created; adopting waits for UpdateTable before TTL', async () => {
    const dir = await f.project();
    // up stopped right after CreateTable: the table is CREATING when teardown comes.
    await killUpAfter(dir, 'CreateTable');
    const teardown = await f.cli(dir, ['teardown', '--yes']);
    expect(teardown.code, teardown.stderr).toBe(0);

    // A provisioned table of the same name, adopted: UpdateTable leaves it UPDATING for a while.
    await f.moto.reset();
    f.proxy.reset();
    const db = new DynamoDBClient({ region: 'us-east-1', endpoint: f.moto.url, credentials });
    await db.send(
      new CreateTableCommand({
        TableName: 'email-otp-rate-limits',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
      }),
    );
    const adoptDir = await f.project();
    await up(adoptDir, ['--adopt']);
    const table = await db.send(new DescribeTableCommand({ TableName: 'email-otp-rate-limits' }));
    expect(table.Table!.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    db.destroy();
  });

  it('adopting a table whose TTL is on another attribute says what to do instead of failing in UpdateTimeToLive', async () => {
    const db = new DynamoDBClient({ region: 'us-east-1', endpoint: f.moto.url, credentials });
    await db.send(
      new CreateTableCommand({
        TableName: 'email-otp-rate-limits',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await db.send(
      new UpdateTimeToLiveCommand({ TableName: 'email-otp-rate-limits', TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true } }),
    );
    db.destroy();
    const dir = await f.project();
    const result = await f.cli(dir, ['up', '--adopt', '--json']);
    expect(result.code).toBe(1);
    expect(result.json).toMatchObject({ ok: false, error: { code: 'TABLE_TTL_IN_USE' } });
    expect(f.proxy.calls.filter((c) => c.action === 'UpdateTimeToLive')).toEqual([]);
  });

  it('takes over a log group Lambda created in between with TagResource, not the deprecated TagLogGroup', async () => {
    const dir = await f.project();
    const logs = new CloudWatchLogsClient({ region: 'us-east-1', endpoint: f.moto.url, credentials });
    let created = false;
    // The group appears after the read and before the create, as when the function ran in between.
    f.proxy.onResponse = async (call) => {
      if (call.action === 'DescribeLogGroups' && !created) {
        created = true;
        await logs.send(new CreateLogGroupCommand({ logGroupName: '/aws/lambda/email-otp-pre-sign-up' }));
      }
    };
    await up(dir);
    delete f.proxy.onResponse;
    const actions = f.proxy.calls.filter((c) => c.service === 'logs').map((c) => c.action);
    expect(actions).not.toContain('TagLogGroup');
    expect(actions).toContain('TagResource');
    const tags = await logs.send(
      new ListTagsForResourceCommand({ resourceArn: 'arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/email-otp-pre-sign-up' }),
    );
    expect(tags.tags).toMatchObject({ 'otp-setup:stack': 'email-otp' });
    logs.destroy();
  });

  it("Cognito's NotAuthorizedException is reported as AWS's refusal, not as a missing permission", async () => {
    const dir = await f.project();
    f.proxy.addFault({
      match: 'cognito-idp:CreateUserPool',
      fault: { kind: 'error', status: 400, type: 'NotAuthorizedException', message: 'Email arn does not belong to your account' },
      times: 1,
    });
    const result = await f.cli(dir, ['up', '--json']);
    expect(result.code).toBe(1);
    const error = result.json!.error as { code: string; message: string; resolution: string };
    expect(error.code).toBe('AWS_REFUSED');
    expect(error.message).toContain('Email arn does not belong to your account');
    expect(error.resolution).not.toContain('Grant the permission');
  });

  it('a name longer than AWS allows stops with a clear error, never a stack trace', async () => {
    const dir = await f.project({ ...BASE_CONFIG, name: 'acme-passwordless-signin-prod-x', stage: 'eu-central-blue1' });
    const result = await f.cli(dir, ['up']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/64/);
    expect(result.stderr).not.toMatch(/at .*\.js:\d+/);
    expect((await f.sdk.lambda.send(new ListFunctionsCommand({}))).Functions).toEqual([]);
  });
});
