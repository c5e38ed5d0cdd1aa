import { describe, expect, it } from 'vitest';
import { grant, partitionOf } from '../../../src/core/permissions.js';
import { deployerGrants, MANAGED_POLICY_MAX_CHARS, policyDocument } from '../../../src/policy/deployer-policy.js';
import { planContext } from '../steps/context.js';

const actionsOf = (config: Parameters<typeof planContext>[0] = {}) =>
  new Set(policyDocument(deployerGrants(planContext(config))).Statement.flatMap((s) => s.Action));

describe('policyDocument', () => {
  it('grants each action once: resources of the same action are merged, "*" swallows the rest, conditions stay apart', () => {
    const doc = policyDocument([
      grant(['lambda:GetFunction'], ['arn:aws:lambda:us-east-1:1:function:a']),
      grant(['lambda:GetFunction', 'lambda:DeleteFunction'], ['arn:aws:lambda:us-east-1:1:function:b']),
      grant(['lambda:DeleteFunction'], ['arn:aws:lambda:us-east-1:1:function:a']),
      grant(['ses:GetAccount'], ['*']),
      grant(['ses:GetAccount'], ['arn:aws:ses:us-east-1:1:identity/x']),
      grant(['iam:PassRole'], ['arn:aws:iam::1:role/r'], { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } }),
      grant(['iam:GetRole'], ['arn:aws:iam::1:role/r']),
    ]);
    expect(doc.Statement).toEqual([
      { Sid: 'Iam', Effect: 'Allow', Action: ['iam:GetRole'], Resource: 'arn:aws:iam::1:role/r' },
      {
        Sid: 'Iam2',
        Effect: 'Allow',
        Action: ['iam:PassRole'],
        Resource: 'arn:aws:iam::1:role/r',
        Condition: { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
      },
      {
        Sid: 'Lambda',
        Effect: 'Allow',
        Action: ['lambda:DeleteFunction', 'lambda:GetFunction'],
        Resource: ['arn:aws:lambda:us-east-1:1:function:a', 'arn:aws:lambda:us-east-1:1:function:b'],
      },
      { Sid: 'NoResourceTypes', Effect: 'Allow', Action: ['ses:GetAccount'], Resource: '*' },
    ]);
  });

  it('refuses a wildcard action', () => {
    expect(() => policyDocument([grant(['lambda:*'], ['*'])])).toThrow(/wildcard/);
  });
});

describe('the deployer policy for a config', () => {
  it('names every action, scopes everything but the actions without a resource type, and fits a managed policy', () => {
    const doc = policyDocument(
      deployerGrants(
        planContext({
          stage: 'production',
          monitoring: { alarms: { enabled: true, email: 'ops@example.com' } },
          email: { from: 'noreply@example.com', dkim: true },
          protection: { waf: { enabled: true } },
        }),
      ),
    );
    for (const s of doc.Statement) for (const a of s.Action) expect(a).toMatch(/^[a-z0-9-]+:[A-Za-z0-9]+$/);
    expect(JSON.stringify(doc).length).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARS);
    const passRole = doc.Statement.find((s) => s.Action.includes('iam:PassRole'))!;
    expect(passRole).toMatchObject({
      Resource: 'arn:aws:iam::123456789012:role/EmailOTPLambdaExecutionRole-production',
      Condition: { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
    });
    // Actions AWS needs beyond the obvious ones: GetFunction's tags, Cognito's SES role, waiters.
    const actions = new Set(doc.Statement.flatMap((s) => s.Action));
    for (const a of [
      'lambda:ListTags',
      'iam:CreateServiceLinkedRole',
      'lambda:GetFunctionConfiguration',
      'logs:ListTagsForResource',
      'logs:TagLogGroup',
      'dynamodb:UpdateTable',
      'cloudwatch:TagResource',
      'sns:TagResource',
      'cognito-idp:AdminSetUserPassword',
    ]) {
      expect(actions.has(a), a).toBe(true);
    }
  });

  it('grants creation only for what the config turns on, but always what up and teardown need to remove it', () => {
    const off = actionsOf({ rateLimit: { enabled: false } });
    for (const a of ['dynamodb:CreateTable', 'cloudwatch:PutMetricAlarm', 'sns:CreateTopic', 'sns:Subscribe', 'ses:VerifyDomainDkim'])
      expect(off.has(a), a).toBe(false);
    for (const a of [
      'dynamodb:DeleteTable',
      'cloudwatch:DescribeAlarms',
      'cloudwatch:DeleteAlarms',
      'sns:DeleteTopic',
      'ses:DeleteIdentity',
    ])
      expect(off.has(a), a).toBe(true);
    const on = actionsOf({ monitoring: { alarms: { enabled: true, snsTopicArn: 'arn:aws:sns:us-east-1:123456789012:team' } } });
    // An existing topic is only referenced by the alarms: nothing to create or subscribe.
    expect(on.has('cloudwatch:PutMetricAlarm')).toBe(true);
    expect(on.has('sns:CreateTopic')).toBe(false);
  });

  it('builds ARNs in the region partition when the account is given', () => {
    expect(partitionOf('cn-north-1')).toBe('aws-cn');
    expect(partitionOf('us-gov-west-1')).toBe('aws-us-gov');
    expect(partitionOf('eu-west-1')).toBe('aws');
  });
});
