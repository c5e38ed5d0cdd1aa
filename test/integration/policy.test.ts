import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeUserPoolCommand } from '@aws-sdk/client-cognito-identity-provider';
import { GetRoleCommand } from '@aws-sdk/client-iam';
import { GetFunctionCommand } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { NO_PERMISSION_NEEDED } from '../../src/core/permissions.js';
import { iamAction, policyActions, statementsAllowing, type PolicyDocument } from '../support/iam-policy.js';
import { readState } from '../support/inventory.js';
import { BASE_CONFIG, useStackFixture } from '../support/stack-fixture.js';
import { STACK_FRAME } from '../support/stack-trace.js';

const f = useStackFixture();

/** Every optional feature on; stage "prod" turns deletion protection on, so teardown updates the pool too. */
const FULL = {
  ...BASE_CONFIG,
  stage: 'prod',
  email: { from: 'noreply@example.com', dkim: true },
  monitoring: { tracing: true, alarms: { enabled: true, email: 'ops@example.com' } },
  protection: { waf: { enabled: true } },
};

const KINDS = ['define-auth-challenge', 'create-auth-challenge', 'verify-auth-challenge', 'pre-sign-up'];

async function ok(dir: string, args: string[]) {
  const result = await f.cli(dir, args);
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
  return result;
}

async function policyFor(dir: string): Promise<PolicyDocument> {
  const text = await ok(dir, ['policy']);
  const json = await ok(dir, ['policy', '--json']);
  const policy = JSON.parse(text.stdout) as PolicyDocument;
  // Plain: the document alone on stdout; --json: the same document inside the one result object.
  expect(json.json).toMatchObject({ ok: true, command: 'policy', accountId: '123456789012', policy });
  return policy;
}

/**
 * Unsigned requests present no identity, so no IAM policy applies to them: only test-auth's probe
 * for a local sandbox and Cognito's public sign-in operations, which the SDK sends unsigned.
 */
const UNSIGNED = new Set([
  'GET /_sandbox/info',
  ...NO_PERMISSION_NEEDED.filter((a) => a.startsWith('cognito-idp:')).map((a) => a.split(':')[1]!),
]);

/** The IAM actions of every call the proxy recorded that needs a permission. */
function neededActions(): string[] {
  const unsigned = f.proxy.calls.filter((c) => c.service === 'unknown').map((c) => c.action);
  expect(unsigned.filter((a) => !UNSIGNED.has(a))).toEqual([]);
  const signed = f.proxy.calls.filter((c) => c.service !== 'unknown');
  return [...new Set(signed.map(iamAction))].filter((a) => !NO_PERMISSION_NEEDED.includes(a)).sort();
}

describe('otp-setup policy covers every call the CLI makes', () => {
  it(
    'all features on: up, up, plan, status, doctor, test-auth and teardown call nothing the policy lacks, on the stack ARNs',
    { timeout: 300_000 },
    async () => {
      const dir = await f.project(FULL);
      await ok(dir, ['up', '--json']);
      // The second up switches the pool's email to the (now verified) SES sender: UpdateUserPool.
      await ok(dir, ['up', '--json']);
      await ok(dir, ['plan']);
      await ok(dir, ['status']);
      // Without the state file (lost, or a teammate's fresh clone) nothing is trusted by record: every tag is read.
      await rename(join(dir, '.otp-setup'), join(dir, '.otp-setup-kept'));
      await ok(dir, ['plan']);
      await rename(join(dir, '.otp-setup-kept'), join(dir, '.otp-setup'));
      await f.cli(dir, ['doctor', '--json']);
      // moto has no CUSTOM_AUTH flow, so the sign-in stops after the user is created; its admin calls are what counts.
      await f.cli(dir, ['test-auth', '--email', 'someone@example.com', '--create-user', '--code', '123456']);

      const poolId = (await readState(dir))!.resources.userPoolId as string;
      const poolArn = (await f.sdk.cognito.send(new DescribeUserPoolCommand({ UserPoolId: poolId }))).UserPool!.Arn!;
      const role = (await f.sdk.iam.send(new GetRoleCommand({ RoleName: 'EmailOTPLambdaExecutionRole-prod' }))).Role!.Arn!;
      const functions = await Promise.all(
        KINDS.map(
          async (k) =>
            (await f.sdk.lambda.send(new GetFunctionCommand({ FunctionName: `email-otp-${k}-prod` }))).Configuration!.FunctionArn!,
        ),
      );
      const logs = new CloudWatchLogsClient({
        region: 'us-east-1',
        endpoint: f.moto.url,
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      });
      const groups = (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/lambda/email-otp-' }))).logGroups ?? [];
      logs.destroy();
      expect(groups).toHaveLength(5);

      await ok(dir, ['teardown', '--yes']);
      const calls = neededActions();
      const policy = await policyFor(dir);
      const granted = policyActions(policy);

      // Not vacuous: the run reached every service and feature.
      expect(calls).toEqual(
        expect.arrayContaining([
          'iam:CreateRole',
          'lambda:CreateFunction',
          'cognito-idp:UpdateUserPool',
          'cognito-idp:AdminCreateUser',
          'cloudwatch:PutMetricAlarm',
          'sns:Subscribe',
          'ses:VerifyDomainDkim',
          'dynamodb:CreateTable',
          'logs:FilterLogEvents',
          'ses:GetAccount',
          'cognito-idp:DeleteUserPool',
          'wafv2:CreateWebACL',
          'wafv2:AssociateWebACL',
          'wafv2:DisassociateWebACL',
          'wafv2:DeleteWebACL',
          'sns:ListTagsForResource',
          'cloudwatch:ListTagsForResource',
        ]),
      );
      expect(calls.filter((a) => !granted.has(a))).toEqual([]);
      // Associating a web ACL with a pool also needs the pool's own permission (WAF developer guide).
      for (const a of ['AssociateWebACL', 'DisassociateWebACL', 'GetWebACLForResource'])
        expect(statementsAllowing(policy, `cognito-idp:${a}`, poolArn), a).not.toEqual([]);
      const acl = 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/email-otp-prod-user-pool/0f3c7a10-9f1e-4c55-8c1a-2f6d1b9e4a01';
      expect(statementsAllowing(policy, 'wafv2:DeleteWebACL', acl)).not.toEqual([]);
      expect(statementsAllowing(policy, 'wafv2:DeleteWebACL', acl.replace('email-otp-prod-user-pool', 'someone-elses'))).toEqual([]);

      // Scoped: the actions that write are granted on the ARNs AWS gave our resources, and not on a neighbour's.
      expect(statementsAllowing(policy, 'iam:PutRolePolicy', role)).not.toEqual([]);
      expect(statementsAllowing(policy, 'iam:PassRole', role)[0]?.Condition).toEqual({
        StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' },
      });
      for (const arn of functions) expect(statementsAllowing(policy, 'lambda:UpdateFunctionCode', arn), arn).not.toEqual([]);
      expect(statementsAllowing(policy, 'cognito-idp:DeleteUserPool', poolArn)).not.toEqual([]);
      // Logs wants "<arn>:*" for most actions and the bare ARN for its tagging APIs: both as moto reports them.
      for (const g of groups) {
        expect(statementsAllowing(policy, 'logs:PutRetentionPolicy', g.arn!), g.arn).not.toEqual([]);
        expect(statementsAllowing(policy, 'logs:FilterLogEvents', g.arn!), g.arn).not.toEqual([]);
        expect(statementsAllowing(policy, 'logs:TagResource', g.logGroupArn!), g.logGroupArn).not.toEqual([]);
      }
      expect(statementsAllowing(policy, 'iam:PutRolePolicy', role.replace(/role\/.*/, 'role/SomeoneElsesRole'))).toEqual([]);
      expect(
        statementsAllowing(policy, 'lambda:UpdateFunctionCode', functions[0]!.replace(/function:.*/, 'function:someone-elses')),
      ).toEqual([]);
      expect(statementsAllowing(policy, 'dynamodb:DeleteTable', 'arn:aws:dynamodb:us-east-1:123456789012:table/someone-elses')).toEqual([]);
      expect(
        statementsAllowing(
          policy,
          'iam:CreateServiceLinkedRole',
          'arn:aws:iam::123456789012:role/aws-service-role/email.cognito-idp.amazonaws.com/AWSServiceRoleForAmazonCognitoIdpEmailService',
        )[0]?.Condition,
      ).toEqual({
        StringEquals: { 'iam:AWSServiceName': 'email.cognito-idp.amazonaws.com' },
      });
      // Never a service wildcard; "*" only for actions without a resource type.
      expect([...granted].filter((a) => a.includes('*'))).toEqual([]);
      expect(
        policy.Statement.filter((s) => s.Resource === '*')
          .flatMap((s) => s.Action)
          .sort(),
      ).toEqual([
        'cloudwatch:DescribeAlarms',
        'cognito-idp:CreateUserPool',
        'cognito-idp:ListUserPools',
        'ses:DeleteIdentity',
        'ses:GetAccount',
        'ses:GetIdentityDkimAttributes',
        'ses:GetIdentityVerificationAttributes',
        'ses:VerifyDomainDkim',
        'ses:VerifyEmailIdentity',
        'wafv2:ListWebACLs',
      ]);
    },
  );

  it(
    'features switched off after they were on: the smaller policy still covers removing them, and teardown',
    { timeout: 300_000 },
    async () => {
      const dir = await f.project(FULL);
      await ok(dir, ['up']);
      await writeFile(join(dir, 'otp-setup.config.json'), JSON.stringify({ ...BASE_CONFIG, stage: 'prod', rateLimit: { enabled: false } }));
      f.proxy.reset();
      await ok(dir, ['up', '--json']);
      await ok(dir, ['status']);
      await f.cli(dir, ['doctor', '--json']);
      await ok(dir, ['teardown', '--yes']);
      const calls = neededActions();
      const policy = await policyFor(dir);
      const granted = policyActions(policy);
      expect(calls).toEqual(
        expect.arrayContaining([
          'cloudwatch:DeleteAlarms',
          'sns:DeleteTopic',
          'dynamodb:DeleteTable',
          'ses:DeleteIdentity',
          'wafv2:DisassociateWebACL',
          'wafv2:DeleteWebACL',
        ]),
      );
      expect(calls.filter((a) => !granted.has(a))).toEqual([]);
      // Nothing to create any more: the policy grants no creation of what is switched off.
      for (const a of [
        'cloudwatch:PutMetricAlarm',
        'sns:CreateTopic',
        'dynamodb:CreateTable',
        'ses:VerifyDomainDkim',
        'wafv2:CreateWebACL',
      ])
        expect(granted.has(a), a).toBe(false);
    },
  );

  it('--account-id writes the policy for another account without asking AWS; a bad one is a usage error', async () => {
    const dir = await f.project({ ...BASE_CONFIG, region: 'eu-west-1' });
    const other = await ok(dir, ['policy', '--account-id', '210987654321']);
    expect(f.proxy.calls).toEqual([]);
    const policy = JSON.parse(other.stdout) as PolicyDocument;
    expect(
      statementsAllowing(policy, 'lambda:GetFunction', 'arn:aws:lambda:eu-west-1:210987654321:function:email-otp-pre-sign-up'),
    ).not.toEqual([]);
    const bad = await f.cli(dir, ['policy', '--account-id', '1234', '--json']);
    expect(bad.code).toBe(2);
    expect(bad.json!.error).toMatchObject({ code: 'INVALID_ACCOUNT_ID' });
    expect(bad.stderr).not.toMatch(STACK_FRAME);
  });
});
