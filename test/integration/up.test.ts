import { readFile, rm, writeFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
  UpdateUserPoolClientCommand,
  DeleteUserPoolClientCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { GetRoleCommand, GetRolePolicyCommand, ListAttachedRolePoliciesCommand, ListRolesCommand } from '@aws-sdk/client-iam';
import { DeleteFunctionCommand, GetFunctionCommand, GetPolicyCommand, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { BASE_CONFIG, changeClientByHand, useStackFixture } from '../support/stack-fixture.js';
import { STACK_FRAME } from '../support/stack-trace.js';

const f = useStackFixture();

const KINDS = ['define-auth-challenge', 'create-auth-challenge', 'verify-auth-challenge', 'pre-sign-up'] as const;

async function up(dir: string, extra: string[] = []) {
  const result = await f.cli(dir, ['up', '--json', ...extra]);
  expect(result.stderr).not.toMatch(STACK_FRAME); // never a stack trace
  expect(result.code, result.stderr).toBe(0);
  return result;
}

async function stateOf(dir: string) {
  const folder = join(dir, '.otp-setup', 'state');
  const [file] = await readdir(folder);
  return JSON.parse(await readFile(join(folder, file!), 'utf8')) as {
    resources: { userPoolId: string; clientId: string; handlerKey?: string };
  };
}

describe('otp-setup up against moto', () => {
  it('creates every resource of the guide with its exact settings', async () => {
    const dir = await f.project();
    const result = await up(dir);
    const json = result.json!;
    expect(json.ok).toBe(true);
    const poolId = json.userPoolId as string;
    const clientId = json.clientId as string;
    // Alarms, DKIM and WAF are off by default: skipped, not "unchanged" (nothing of theirs exists).
    expect(json.counts).toEqual({ created: 13, skipped: 3 });

    // Role: Lambda trust, basic execution, SES send as our sender only (not AmazonSESFullAccess).
    const role = await f.sdk.iam.send(new GetRoleCommand({ RoleName: 'EmailOTPLambdaExecutionRole' }));
    const trust = JSON.parse(decodeURIComponent(role.Role!.AssumeRolePolicyDocument!));
    expect(trust.Statement[0]).toMatchObject({ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' });
    expect(role.Role!.Tags).toContainEqual({ Key: 'otp-setup:stack', Value: 'email-otp' });
    const attached = await f.sdk.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'EmailOTPLambdaExecutionRole' }));
    // No managed policy: logging is inline, scoped to the functions' own log groups.
    expect(attached.AttachedPolicies!.map((p) => p.PolicyArn)).toEqual([]);
    const inline = await f.sdk.iam.send(
      new GetRolePolicyCommand({ RoleName: 'EmailOTPLambdaExecutionRole', PolicyName: 'otp-setup-ses-send' }),
    );
    const ses = JSON.parse(decodeURIComponent(inline.PolicyDocument!));
    expect(ses.Statement[0].Action).toEqual(['ses:SendEmail']);
    expect(ses.Statement.find((s: { Sid: string }) => s.Sid === 'WriteOwnLogs').Resource).toContain(
      'arn:aws:logs:*:123456789012:log-group:/aws/lambda/email-otp-verify-auth-challenge:*',
    );
    expect(ses.Statement[0].Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'noreply@example.com' } });
    expect(ses.Statement[0].Resource).toBe('arn:aws:ses:*:123456789012:identity/*');
    expect(role.Role!.Tags).toContainEqual({ Key: 'otp-setup:regions', Value: 'us-east-1' });

    // Functions: current Node.js runtime, settings as environment variables, ownership tag.
    for (const kind of KINDS) {
      const fn = await f.sdk.lambda.send(new GetFunctionCommand({ FunctionName: `email-otp-${kind}` }));
      expect(fn.Configuration).toMatchObject({ Runtime: 'nodejs22.x', Handler: 'index.handler', Role: role.Role!.Arn, Timeout: 5 });
      expect(fn.Tags).toMatchObject({ 'otp-setup:stack': 'email-otp' });
    }
    const create = await f.sdk.lambda.send(new GetFunctionCommand({ FunctionName: 'email-otp-create-auth-challenge' }));
    expect(create.Configuration!.Environment!.Variables).toMatchObject({
      OTP_LENGTH: '6',
      OTP_TTL_SECONDS: '180',
      FROM_EMAIL: 'noreply@example.com',
    });
    const define = await f.sdk.lambda.send(new GetFunctionCommand({ FunctionName: 'email-otp-define-auth-challenge' }));
    expect(define.Configuration!.Environment!.Variables).toMatchObject({ OTP_MAX_ATTEMPTS: '3' });

    // Pool: email as username, the guide's schema, each trigger wired to the right function, tags.
    const { UserPool: pool } = await f.sdk.cognito.send(new DescribeUserPoolCommand({ UserPoolId: poolId }));
    expect(pool!.Name).toBe('email-otp-pool');
    expect(pool!.UsernameAttributes).toEqual(['email']);
    expect(pool!.AutoVerifiedAttributes).toEqual(['email']);
    expect(pool!.SchemaAttributes!.find((a) => a.Name === 'email')).toMatchObject({ Required: true, Mutable: true });
    expect(pool!.SchemaAttributes!.find((a) => a.Name === 'name')).toMatchObject({ Required: false });
    const arn = (kind: string) => `arn:aws:lambda:us-east-1:123456789012:function:email-otp-${kind}`;
    expect(pool!.LambdaConfig).toMatchObject({
      DefineAuthChallenge: arn('define-auth-challenge'),
      CreateAuthChallenge: arn('create-auth-challenge'),
      VerifyAuthChallengeResponse: arn('verify-auth-challenge'),
      PreSignUp: arn('pre-sign-up'),
    });
    expect(pool!.EmailConfiguration).toMatchObject({
      EmailSendingAccount: 'DEVELOPER',
      SourceArn: 'arn:aws:ses:us-east-1:123456789012:identity/noreply@example.com',
    });
    expect(pool!.UserPoolTags).toMatchObject({ 'otp-setup:stack': 'email-otp' });

    // Invoke permissions: Cognito only, scoped to this pool and account.
    for (const kind of KINDS) {
      const policy = JSON.parse((await f.sdk.lambda.send(new GetPolicyCommand({ FunctionName: `email-otp-${kind}` }))).Policy!);
      expect(policy.Statement).toHaveLength(1);
      expect(policy.Statement[0]).toMatchObject({
        Effect: 'Allow',
        Principal: { Service: 'cognito-idp.amazonaws.com' },
        Action: 'lambda:InvokeFunction',
        Condition: { ArnLike: { 'AWS:SourceArn': pool!.Arn }, StringEquals: { 'AWS:SourceAccount': '123456789012' } },
      });
    }

    // App client: exactly the guide's step 6.
    const { UserPoolClient: client } = await f.sdk.cognito.send(
      new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: clientId }),
    );
    expect(client).toMatchObject({
      ClientName: 'email-otp-client',
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
      AuthSessionValidity: 3,
      AccessTokenValidity: 60,
      IdTokenValidity: 60,
      RefreshTokenValidity: 30,
      TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'days' },
    });
    expect(client!.ClientSecret).toBeUndefined();
    expect([...client!.ExplicitAuthFlows!].sort()).toEqual(['ALLOW_CUSTOM_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']);

    // The rate limiter's table: on-demand, TTL, tagged; the role may use only its items.
    const { DescribeTableCommand, DescribeTimeToLiveCommand } = await import('@aws-sdk/client-dynamodb');
    const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
    const db = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: f.moto.url,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    const table = await db.send(new DescribeTableCommand({ TableName: 'email-otp-rate-limits' }));
    expect(table.Table!.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    const ttl = await db.send(new DescribeTimeToLiveCommand({ TableName: 'email-otp-rate-limits' }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
    db.destroy();
    expect(ses.Statement.find((s: { Sid: string }) => s.Sid === 'CountCodesAndFailures')).toEqual({
      Sid: 'CountCodesAndFailures',
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
      Resource: 'arn:aws:dynamodb:*:123456789012:table/email-otp-rate-limits',
    });
    expect(create.Configuration!.Environment!.Variables).toMatchObject({
      RATE_LIMIT_TABLE: 'email-otp-rate-limits',
      RATE_LIMIT_CODES: '5',
      RATE_LIMIT_FAILURES: '10',
    });

    // Frontend .env with the guide's key names.
    const env = await readFile(join(dir, '.env'), 'utf8');
    expect(env).toContain('VITE_AWS_REGION=us-east-1\n');
    expect(env).toContain(`VITE_EMAIL_OTP_USER_POOL_ID=${poolId}\n`);
    expect(env).toContain(`VITE_EMAIL_OTP_CLIENT_ID=${clientId}\n`);
  });

  it('makes no write call on a second run and says everything is unchanged', async () => {
    const dir = await f.project();
    await up(dir);
    f.proxy.reset();
    const second = await up(dir);
    expect(f.proxy.writes()).toEqual([]);
    expect(second.json!.counts).toEqual({ unchanged: 13, skipped: 3 });
    expect(second.stderr).not.toMatch(/created|updated/);
    // At most one read per AWS object, plus the identity check (role: role + attachment + inline
    // policy; permissions: one per function; one listing for the five log groups; the rate-limit
    // table, its TTL setting and its tags; no alarm read while alarms were never on), and one
    // ListTags per function (GetFunction withholds tags from callers without an explicit
    // lambda:ListTags allow, as the realism layer reproduces).
    expect(f.proxy.calls.length).toBeLessThanOrEqual(26);
    expect(f.proxy.calls.map((c) => c.action)).not.toContain('DescribeAlarms');
  });

  it('updates only what a config change touches, in place, without resetting other fields', async () => {
    const dir = await f.project();
    const first = await up(dir);
    const poolId = first.json!.userPoolId as string;
    const clientId = first.json!.clientId as string;
    // A field otp-setup does not manage, set by hand: it must survive our update (Cognito resets omitted fields).
    await f.sdk.cognito.send(
      new UpdateUserPoolClientCommand({
        UserPoolId: poolId,
        ClientId: clientId,
        ClientName: 'email-otp-client',
        ExplicitAuthFlows: ['ALLOW_CUSTOM_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
        PreventUserExistenceErrors: 'ENABLED',
        EnableTokenRevocation: true,
        AuthSessionValidity: 3,
        AccessTokenValidity: 60,
        IdTokenValidity: 60,
        RefreshTokenValidity: 30,
        TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'days' },
        ReadAttributes: ['email', 'name'],
      }),
    );
    const before = await f.sdk.lambda.send(new GetFunctionCommand({ FunctionName: 'email-otp-define-auth-challenge' }));
    await writeFile(
      join(dir, 'otp-setup.config.json'),
      JSON.stringify({ ...BASE_CONFIG, otp: { length: 8 }, client: { accessTokenValidityMinutes: 120 } }),
    );
    f.proxy.reset();
    const second = await up(dir);
    expect(second.json!.counts).toEqual({ unchanged: 11, skipped: 3, updated: 2 });
    const writes = f.proxy
      .writes()
      .map((c) => c.action)
      .sort();
    expect(writes).toEqual(['UpdateFunctionConfiguration', 'UpdateUserPoolClient']);
    const create = await f.sdk.lambda.send(new GetFunctionCommand({ FunctionName: 'email-otp-create-auth-challenge' }));
    expect(create.Configuration!.Environment!.Variables!.OTP_LENGTH).toBe('8');
    const define = await f.sdk.lambda.send(new GetFunctionCommand({ FunctionName: 'email-otp-define-auth-challenge' }));
    expect(define.Configuration!.LastModified).toBe(before.Configuration!.LastModified);
    const { UserPoolClient: client } = await f.sdk.cognito.send(
      new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: clientId }),
    );
    expect(client).toMatchObject({
      AccessTokenValidity: 120,
      IdTokenValidity: 60,
      AuthSessionValidity: 3,
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
    });
    expect(client!.ReadAttributes).toEqual(['email', 'name']);
    // AWS resets every field UpdateUserPoolClient is not given; moto merges instead, so check the
    // request itself carried the hand-set field.
    const sent = JSON.parse(f.proxy.calls.find((c) => c.action === 'UpdateUserPoolClient')!.body);
    expect(sent.ReadAttributes).toEqual(['email', 'name']);
    expect(sent).toMatchObject({
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
      AuthSessionValidity: 3,
      IdTokenValidity: 60,
      RefreshTokenValidity: 30,
    });
    const { UserPool: pool } = await f.sdk.cognito.send(new DescribeUserPoolCommand({ UserPoolId: poolId }));
    expect(pool!.LambdaConfig!.DefineAuthChallenge).toContain('email-otp-define-auth-challenge');
  });

  it('redeploys only the function whose code changed (email template)', async () => {
    const dir = await f.project();
    await up(dir);
    await writeFile(join(dir, 'subject.txt'), 'Your Acme sign-in code\n');
    await writeFile(
      join(dir, 'otp-setup.config.json'),
      JSON.stringify({ ...BASE_CONFIG, email: { ...BASE_CONFIG.email, templates: { subject: 'subject.txt' } } }),
    );
    f.proxy.reset();
    await up(dir);
    expect(f.proxy.writes().map((c) => c.action)).toEqual(['UpdateFunctionCode']);
  });

  it('status shows resources deleted or changed out of band, and up restores them', async () => {
    const dir = await f.project();
    const first = await up(dir);
    const poolId = first.json!.userPoolId as string;
    await f.sdk.lambda.send(new DeleteFunctionCommand({ FunctionName: 'email-otp-verify-auth-challenge' }));
    const clients = await f.sdk.cognito.send(new ListUserPoolClientsCommand({ UserPoolId: poolId }));
    await f.sdk.cognito.send(new DeleteUserPoolClientCommand({ UserPoolId: poolId, ClientId: clients.UserPoolClients![0]!.ClientId }));

    f.proxy.reset();
    const status = await f.cli(dir, ['status']);
    expect(status.code).toBe(0);
    expect(f.proxy.writes()).toEqual([]);
    expect(status.stdout).toMatch(/Verify-auth-challenge function\s+MISSING/);
    expect(status.stdout).toMatch(/App client\s+MISSING/);
    expect(status.stdout).toMatch(/Invoke permissions for Cognito\s+DRIFT/);
    const statusJson = await f.cli(dir, ['status', '--json']);
    const drift = statusJson.json!.drift as Array<{ id: string; missing: boolean }>;
    expect(
      drift
        .filter((d) => d.missing)
        .map((d) => d.id)
        .sort(),
    ).toEqual(['app-client', 'function:verify-auth-challenge']);

    const plan = await f.cli(dir, ['plan']);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/Plan: .*would-create/);

    const restored = await up(dir);
    expect(restored.json!.counts).toMatchObject({ created: 2 });
    const fn = await f.sdk.lambda.send(new GetFunctionCommand({ FunctionName: 'email-otp-verify-auth-challenge' }));
    expect(fn.Configuration!.Runtime).toBe('nodejs22.x');
    const after = await f.sdk.cognito.send(new ListUserPoolClientsCommand({ UserPoolId: poolId }));
    expect(after.UserPoolClients).toHaveLength(1);
    // The new client id reaches the .env.
    expect(await readFile(join(dir, '.env'), 'utf8')).toContain(`VITE_EMAIL_OTP_CLIENT_ID=${after.UserPoolClients![0]!.ClientId}`);
    f.proxy.reset();
    await up(dir);
    expect(f.proxy.writes()).toEqual([]);
  });

  it('status and up notice a setting changed by hand and put it back', async () => {
    const dir = await f.project();
    const first = await up(dir);
    const poolId = first.json!.userPoolId as string;
    const clientId = first.json!.clientId as string;
    await changeClientByHand(f, poolId, clientId, () => ({ AccessTokenValidity: 1440 }));
    const status = await f.cli(dir, ['status']);
    expect(status.stdout).toMatch(/App client\s+DRIFT · AccessTokenValidity/);
    const plan = await f.cli(dir, ['plan']);
    expect(plan.stdout).toContain('AccessTokenValidity: 1440 → 60');
    await up(dir);
    const { UserPoolClient: fixed } = await f.sdk.cognito.send(
      new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: clientId }),
    );
    expect(fixed!.AccessTokenValidity).toBe(60);
  });

  it('recovers a lost state file by name and ownership tag, creating no duplicates', async () => {
    const dir = await f.project();
    const first = await up(dir);
    const secret = (await stateOf(dir)).resources.handlerKey;
    expect(secret).toMatch(/^[\w-]{43}$/);
    await rm(join(dir, '.otp-setup'), { recursive: true });
    f.proxy.reset();
    const second = await up(dir);
    // No writes: in particular the functions keep their secret (a new one would forget every lockout).
    expect(f.proxy.writes()).toEqual([]);
    expect((await stateOf(dir)).resources.handlerKey).toBe(secret);
    expect(second.json!.userPoolId).toBe(first.json!.userPoolId);
    expect(second.json!.clientId).toBe(first.json!.clientId);
    const pools = await f.sdk.cognito.send(new ListUserPoolsCommand({ MaxResults: 60 }));
    expect(pools.UserPools).toHaveLength(1);
    const state = await stateOf(dir);
    expect(state.resources.userPoolId).toBe(first.json!.userPoolId);
  });

  it('teardown deletes everything it created and leaves no trace', async () => {
    const dir = await f.project();
    await writeFile(join(dir, '.env'), '# my app\nAPI_URL=https://api.example.com\n');
    await up(dir);
    const result = await f.cli(dir, ['teardown', '--yes']);
    expect(result.code, result.stderr).toBe(0);
    expect((await f.sdk.cognito.send(new ListUserPoolsCommand({ MaxResults: 60 }))).UserPools).toEqual([]);
    expect((await f.sdk.lambda.send(new ListFunctionsCommand({}))).Functions).toEqual([]);
    const roles = await f.sdk.iam.send(new ListRolesCommand({}));
    expect(roles.Roles!.filter((r) => r.RoleName === 'EmailOTPLambdaExecutionRole')).toEqual([]);
    // The rate-limit table, the functions' log groups and the sender identity go too.
    const { DynamoDBClient, ListTablesCommand } = await import('@aws-sdk/client-dynamodb');
    const { CloudWatchLogsClient, DescribeLogGroupsCommand } = await import('@aws-sdk/client-cloudwatch-logs');
    const { ListIdentitiesCommand } = await import('@aws-sdk/client-ses');
    const direct = { region: 'us-east-1', endpoint: f.moto.url, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
    const db = new DynamoDBClient(direct);
    const logs = new CloudWatchLogsClient(direct);
    try {
      expect((await db.send(new ListTablesCommand({}))).TableNames).toEqual([]);
      expect((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/lambda/email-otp-' }))).logGroups).toEqual([]);
    } finally {
      db.destroy();
      logs.destroy();
    }
    expect((await f.sdk.ses.send(new ListIdentitiesCommand({}))).Identities).toEqual([]);
    expect(await readFile(join(dir, '.env'), 'utf8')).toBe('# my app\nAPI_URL=https://api.example.com\n');
    expect((await readdir(dir)).sort()).toEqual(['.env', 'otp-setup.config.json']);
    // A second teardown finds nothing and succeeds.
    const again = await f.cli(dir, ['teardown', '--yes']);
    expect(again.code).toBe(0);
  });

  it('teardown asks for confirmation, and refuses without a terminal unless --yes', async () => {
    const dir = await f.project();
    await up(dir);
    const result = await f.cli(dir, ['teardown']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('needs confirmation');
    expect((await f.sdk.lambda.send(new ListFunctionsCommand({}))).Functions).toHaveLength(5);
  });

  it('never touches a same-named resource it did not create, unless --adopt', async () => {
    const dir = await f.project();
    const { CreateRoleCommand } = await import('@aws-sdk/client-iam');
    await f.sdk.iam.send(
      new CreateRoleCommand({
        RoleName: 'EmailOTPLambdaExecutionRole',
        AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [] }),
      }),
    );
    const refused = await f.cli(dir, ['up']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('was not created by otp-setup');
    expect(refused.stderr).toContain('--adopt');
    expect(f.proxy.writes().filter((c) => c.service === 'iam')).toEqual([]);
    expect((await f.sdk.lambda.send(new ListFunctionsCommand({}))).Functions).toEqual([]);

    // Teardown leaves the foreign role alone.
    const teardown = await f.cli(dir, ['teardown', '--yes']);
    expect(teardown.code).toBe(0);
    expect(teardown.stdout).toContain('kept Lambda execution role');
    const role = await f.sdk.iam.send(new GetRoleCommand({ RoleName: 'EmailOTPLambdaExecutionRole' }));
    expect(role.Role!.Tags ?? []).toEqual([]);

    await up(dir, ['--adopt']);
    const adopted = await f.sdk.iam.send(new GetRoleCommand({ RoleName: 'EmailOTPLambdaExecutionRole' }));
    expect(adopted.Role!.Tags).toContainEqual({ Key: 'otp-setup:stack', Value: 'email-otp' });
  });

  it('stages get their own names and their own state', async () => {
    const dir = await f.project();
    const dev = await up(dir, ['--stage', 'dev']);
    const prod = await up(dir, ['--stage', 'prod']);
    expect(dev.json!.userPoolId).not.toBe(prod.json!.userPoolId);
    const fn = await f.sdk.lambda.send(new GetFunctionCommand({ FunctionName: 'email-otp-create-auth-challenge-prod' }));
    expect(fn.Tags).toMatchObject({ 'otp-setup:stack': 'email-otp-prod' });
    const { UserPool } = await f.sdk.cognito.send(new DescribeUserPoolCommand({ UserPoolId: prod.json!.userPoolId as string }));
    expect(UserPool!.Name).toBe('email-otp-pool-prod');
    // Non-dev stages get deletion protection; teardown turns it off first.
    expect(UserPool!.DeletionProtection).toBe('ACTIVE');
    const teardown = await f.cli(dir, ['teardown', '--yes', '--stage', 'prod']);
    expect(teardown.code).toBe(0);
    expect(teardown.stderr).toContain('after turning its deletion protection off');
    const pools = await f.sdk.cognito.send(new ListUserPoolsCommand({ MaxResults: 60 }));
    expect(pools.UserPools!.map((p) => p.Name)).toEqual(['email-otp-pool-dev']);
  });

  it('email.dkim verifies the sender domain with Easy DKIM, keeps it converged and tears it down', async () => {
    const { ListIdentitiesCommand, GetIdentityDkimAttributesCommand } = await import('@aws-sdk/client-ses');
    const dir = await f.project({ ...BASE_CONFIG, email: { ...BASE_CONFIG.email, dkim: true } });
    const first = await up(dir);
    expect(first.stderr).toContain('SES sender domain (DKIM): created');
    const dkim = await f.sdk.ses.send(new GetIdentityDkimAttributesCommand({ Identities: ['example.com'] }));
    expect(dkim.DkimAttributes!['example.com']).toMatchObject({ DkimEnabled: true });
    f.proxy.reset();
    await up(dir);
    expect(f.proxy.writes()).toEqual([]);
    const status = await f.cli(dir, ['status']);
    expect(status.stdout).toMatch(/SES sender domain \(DKIM\)\s+ok · example.com verified, DKIM on/);
    expect((await f.cli(dir, ['teardown', '--yes'])).code).toBe(0);
    const identities = await f.sdk.ses.send(new ListIdentitiesCommand({}));
    expect(identities.Identities).toEqual([]);
  });

  it('the same stack in two regions shares the (global) IAM role; teardown in one keeps it for the other', async () => {
    const dir = await f.project();
    await up(dir);
    await up(dir, ['--region', 'eu-west-1']);
    const role = () => f.sdk.iam.send(new GetRoleCommand({ RoleName: 'EmailOTPLambdaExecutionRole' }));
    expect((await role()).Role!.Tags).toContainEqual({ Key: 'otp-setup:regions', Value: 'eu-west-1 us-east-1' });
    // Each region's up leaves the other's permissions intact: a second run in either writes nothing.
    f.proxy.reset();
    await up(dir);
    await up(dir, ['--region', 'eu-west-1']);
    expect(f.proxy.writes()).toEqual([]);

    const first = await f.cli(dir, ['teardown', '--yes']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('still used by this stack in eu-west-1');
    expect((await role()).Role!.Tags).toContainEqual({ Key: 'otp-setup:regions', Value: 'eu-west-1' });
    expect(await readdir(join(dir, '.otp-setup', 'state'))).toEqual(['email-otp.eu-west-1.123456789012.json']);

    expect((await f.cli(dir, ['teardown', '--yes', '--region', 'eu-west-1'])).code).toBe(0);
    const roles = await f.sdk.iam.send(new ListRolesCommand({}));
    expect(roles.Roles!.filter((r) => r.RoleName === 'EmailOTPLambdaExecutionRole')).toEqual([]);
  });
});
