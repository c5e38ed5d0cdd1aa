import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  ListTagsForResourceCommand,
  PutRetentionPolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { GetRolePolicyCommand } from '@aws-sdk/client-iam';
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { ListSubscriptionsByTopicCommand, ListTopicsCommand } from '@aws-sdk/client-sns';
import { SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BASE_CONFIG, startStackFixture, type StackFixture } from '../support/stack-fixture.js';

let f: StackFixture;
let logs: CloudWatchLogsClient;
let cloudwatch: CloudWatchClient;
let sns: SNSClient;
beforeAll(async () => {
  f = await startStackFixture();
  const config = { region: 'us-east-1', endpoint: f.moto.url, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  logs = new CloudWatchLogsClient(config);
  cloudwatch = new CloudWatchClient(config);
  sns = new SNSClient(config);
});
afterAll(async () => {
  logs?.destroy();
  cloudwatch?.destroy();
  sns?.destroy();
  await f?.close();
});
beforeEach(async () => {
  await f.moto.reset();
  f.proxy.reset();
});

const GROUPS = ['define-auth-challenge', 'create-auth-challenge', 'verify-auth-challenge', 'pre-sign-up', 'post-authentication']
  .map((k) => `/aws/lambda/email-otp-${k}`)
  .sort();

async function up(dir: string) {
  const result = await f.cli(dir, ['up', '--json']);
  expect(result.code, result.stderr).toBe(0);
  return result;
}

async function ourGroups() {
  const out = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/lambda/' }));
  return out.logGroups ?? [];
}

describe('monitoring: log groups, tracing, alarms', () => {
  it('up creates the log groups with retention and tags before the functions; teardown deletes them', async () => {
    const dir = await f.project();
    await up(dir);
    const groups = await ourGroups();
    expect(groups.map((g) => g.logGroupName).sort()).toEqual(GROUPS);
    for (const g of groups) {
      expect(g.retentionInDays).toBe(30);
      const tags = await logs.send(new ListTagsForResourceCommand({ resourceArn: g.logGroupArn! }));
      expect(tags.tags).toMatchObject({ 'otp-setup:stack': 'email-otp' });
    }
    // Created before any function: Lambda would otherwise make a group that never expires.
    const actions = f.proxy.calls.map((c) => c.action);
    expect(actions.lastIndexOf('CreateLogGroup')).toBeLessThan(actions.indexOf('CreateFunction'));

    f.proxy.reset();
    await up(dir);
    expect(f.proxy.writes()).toEqual([]);

    // A retention changed by hand is put back, with one write.
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: GROUPS[0], retentionInDays: 7 }));
    f.proxy.reset();
    await up(dir);
    expect(f.proxy.writes().map((c) => c.action)).toEqual(['PutRetentionPolicy']);

    const teardown = await f.cli(dir, ['teardown', '--yes']);
    expect(teardown.code, teardown.stderr).toBe(0);
    expect(await ourGroups()).toEqual([]);
  });

  it('honours monitoring.logRetentionDays and rejects values CloudWatch does not accept', async () => {
    const dir = await f.project({ ...BASE_CONFIG, monitoring: { logRetentionDays: 90 } });
    await up(dir);
    expect((await ourGroups()).map((g) => g.retentionInDays)).toEqual([90, 90, 90, 90, 90]);
    const bad = await f.project({ ...BASE_CONFIG, monitoring: { logRetentionDays: 10 } });
    const result = await f.cli(bad, ['plan']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('monitoring.logRetentionDays');
  });

  it('turns X-Ray tracing on and off, with the permission to write traces only while on', async () => {
    const { writeFile } = await import('node:fs/promises');
    const mode = async () =>
      (await f.sdk.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'email-otp-create-auth-challenge' }))).TracingConfig
        ?.Mode;
    const policy = async () =>
      JSON.parse(
        decodeURIComponent(
          (await f.sdk.iam.send(new GetRolePolicyCommand({ RoleName: 'EmailOTPLambdaExecutionRole', PolicyName: 'otp-setup-ses-send' })))
            .PolicyDocument!,
        ),
      );
    const xray = async () => (await policy()).Statement.find((s: { Sid?: string }) => s.Sid === 'WriteXRayTraces');

    // Off by default.
    const plainDir = await f.project();
    await up(plainDir);
    expect(await mode()).toBe('PassThrough');
    expect(await xray()).toBeUndefined();
    expect((await f.cli(plainDir, ['teardown', '--yes'])).code).toBe(0);

    const dir = await f.project({ ...BASE_CONFIG, monitoring: { tracing: true } });
    await up(dir);
    expect(await mode()).toBe('Active');
    expect((await xray()).Action).toEqual(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']);

    // moto ignores TracingConfig on UpdateFunctionConfiguration; AWS applies it, so check the request.
    await writeFile(join(dir, 'otp-setup.config.json'), JSON.stringify(BASE_CONFIG));
    f.proxy.reset();
    await up(dir);
    const updates = f.proxy.calls.filter((c) => c.action === 'UpdateFunctionConfiguration').map((c) => JSON.parse(c.body).TracingConfig);
    expect(updates).toEqual(Array(5).fill({ Mode: 'PassThrough' }));
    expect(await xray()).toBeUndefined();
  });

  it('creates Errors and Throttles alarms notifying a topic with an email subscription, and removes them when switched off', async () => {
    const dir = await f.project({ ...BASE_CONFIG, monitoring: { alarms: { enabled: true, email: 'ops@example.com' } } });
    const first = await up(dir);
    const steps = first.json!.steps as Array<{ id: string; action: string; notes: string[] }>;
    expect(steps.find((s) => s.id === 'alarms')).toMatchObject({ action: 'created' });
    expect(first.stdout).toContain('confirmation link to ops@example.com');
    const alarms = (await cloudwatch.send(new DescribeAlarmsCommand({}))).MetricAlarms ?? [];
    expect(alarms.map((a) => a.AlarmName).sort()).toEqual(
      ['define-auth-challenge', 'create-auth-challenge', 'verify-auth-challenge', 'pre-sign-up', 'post-authentication']
        .flatMap((k) => [`email-otp-${k}-errors`, `email-otp-${k}-throttles`])
        .concat('email-otp-create-auth-challenge-email-budget')
        .sort(),
    );
    const topicArn = 'arn:aws:sns:us-east-1:123456789012:email-otp-alarms';
    // The functions' alarms; the budget alarm is test/integration/email-budget-alarm.test.ts's.
    for (const a of alarms.filter((x) => !x.AlarmName!.endsWith('-email-budget'))) {
      expect(a).toMatchObject({
        Namespace: 'AWS/Lambda',
        Statistic: 'Sum',
        Threshold: 1,
        Period: 300,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [topicArn],
      });
      expect(a.Dimensions).toEqual([{ Name: 'FunctionName', Value: a.AlarmName!.replace(/-(errors|throttles)$/, '') }]);
    }
    const subs = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }));
    expect(subs.Subscriptions!.map((s) => [s.Protocol, s.Endpoint])).toEqual([['email', 'ops@example.com']]);

    f.proxy.reset();
    const again = await up(dir);
    expect(f.proxy.writes()).toEqual([]);
    expect(Object.keys(again.json!.counts as object).sort()).toEqual(['skipped', 'unchanged']);

    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'otp-setup.config.json'), JSON.stringify(BASE_CONFIG));
    await up(dir);
    expect((await cloudwatch.send(new DescribeAlarmsCommand({}))).MetricAlarms).toEqual([]);
    expect((await sns.send(new ListTopicsCommand({}))).Topics).toEqual([]);
  });

  it('alarms can notify an existing topic, and teardown deletes the alarms but not that topic', async () => {
    const { CreateTopicCommand } = await import('@aws-sdk/client-sns');
    const topic = await sns.send(new CreateTopicCommand({ Name: 'team-alerts' }));
    const dir = await f.project({ ...BASE_CONFIG, monitoring: { alarms: { enabled: true, snsTopicArn: topic.TopicArn } } });
    await up(dir);
    const alarms = (await cloudwatch.send(new DescribeAlarmsCommand({}))).MetricAlarms ?? [];
    expect(alarms).toHaveLength(11);
    expect(new Set(alarms.map((a) => a.AlarmActions![0]))).toEqual(new Set([topic.TopicArn]));
    expect((await f.cli(dir, ['teardown', '--yes'])).code).toBe(0);
    expect((await cloudwatch.send(new DescribeAlarmsCommand({}))).MetricAlarms).toEqual([]);
    expect((await sns.send(new ListTopicsCommand({}))).Topics!.map((t) => t.TopicArn)).toEqual([topic.TopicArn]);
  });
});

describe('preview, cost estimate, SES production access', () => {
  it('preview renders the configured templates with a sample code and writes the HTML', async () => {
    const dir = await f.project({
      ...BASE_CONFIG,
      otp: { length: 8 },
      email: { ...BASE_CONFIG.email, templates: { subject: 'subject.txt', html: 'body.html' } },
    });
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'subject.txt'), 'Acme code for {{email}}\n');
    await writeFile(join(dir, 'body.html'), '<p>Hi {{name}}, your Acme code is <b>{{code}}</b> ({{minutes}} min).</p>');
    const result = await f.cli(dir, ['preview', '--out', 'mail.html', '--name', '<script>', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.json).toMatchObject({ ok: true, subject: 'Acme code for jane.doe@example.com', code: '12345678', opened: false });
    const html = await readFile(join(dir, 'mail.html'), 'utf8');
    // The handler's renderer: values are HTML-escaped.
    expect(html).toBe('<p>Hi &lt;script&gt;, your Acme code is <b>12345678</b> (3 min).</p>');
    const plain = await f.cli(dir, ['preview', '--out', 'mail.html']);
    expect(plain.stdout).toContain('Subject: Acme code for jane.doe@example.com');
    expect(plain.stdout).toContain('12345678'); // default text template
    // --open is ignored in CI.
    const ci = await f.cli(dir, ['preview', '--out', 'mail.html', '--open'], { CI: '1' });
    expect(ci.code).toBe(0);
    expect(ci.stderr).toContain('ignored in CI');
    expect(f.proxy.calls).toEqual([]);
  });

  it('plan --mau adds a cost estimate; bad numbers are usage errors', async () => {
    const dir = await f.project();
    const plan = await f.cli(dir, ['plan', '--mau', '1000', '--sign-ins-per-user', '1', '--json']);
    expect(plan.code, plan.stderr).toBe(0);
    const cost = plan.json!.cost as { totalUsd: number; lines: Array<{ service: string; monthlyUsd: number }> };
    // 1,000 emails ($0.10, the guide's figure) plus the rate limiter's 4,000 writes and 1,000 reads.
    const usd = (service: string) => cost.lines.find((l) => l.service === service)?.monthlyUsd;
    expect(usd('ses')).toBeCloseTo(0.1, 6);
    expect(usd('dynamodb')).toBeCloseTo(0.004 * 0.625 + 0.001 * 0.125, 6);
    expect(cost.totalUsd).toBeCloseTo(0.102625, 6);
    const text = await f.cli(dir, ['plan', '--mau', '100000']);
    expect(text.stdout).toMatch(/Cost estimate for 100,000 monthly active users/);
    expect(text.stdout).toContain('~$0.10 for 1,000 users');
    for (const args of [
      ['--mau', 'lots'],
      ['--mau', '-5'],
      ['--mau', '10', '--sign-ins-per-user', 'x'],
      ['--mau', '10', '--cognito-tier', 'gold'],
      ['--sign-ins-per-user', '3'],
    ]) {
      const bad = await f.cli(dir, ['plan', ...args]);
      expect(bad.code, args.join(' ')).toBe(2);
    }
  });

  it('plan shows the pool tier and --mau prices the configured one unless --cognito-tier says otherwise', async () => {
    const cognito = (json: Record<string, unknown>) => {
      const cost = json.cost as { input: { cognitoTier: string }; lines: Array<{ service: string; monthlyUsd: number }> };
      return { tier: cost.input.cognitoTier, usd: cost.lines.find((l) => l.service === 'cognito')!.monthlyUsd };
    };
    const lite = await f.cli(await f.project(), ['plan', '--mau', '100000', '--json']);
    expect(lite.code, lite.stderr).toBe(0);
    expect(lite.json!.userPoolTier).toBe('LITE');
    expect(lite.stderr).toContain('Cognito LITE tier');
    // 90,000 MAU above the 10,000 free.
    expect(cognito(lite.json!)).toEqual({ tier: 'lite', usd: expect.closeTo(90_000 * 0.0055, 6) });
    const dir = await f.project({ ...BASE_CONFIG, userPool: { tier: 'ESSENTIALS' } });
    const essentials = await f.cli(dir, ['plan', '--mau', '100000', '--json']);
    expect(essentials.json!.userPoolTier).toBe('ESSENTIALS');
    expect(cognito(essentials.json!)).toEqual({ tier: 'essentials', usd: expect.closeTo(90_000 * 0.015, 6) });
    const plus = await f.cli(dir, ['plan', '--mau', '100000', '--cognito-tier', 'plus', '--json']);
    expect(cognito(plus.json!)).toEqual({ tier: 'plus', usd: expect.closeTo(100_000 * 0.02, 6) });
  });

  it('ses request-production refuses without a terminal, and rejects a bad URL', async () => {
    const dir = await f.project();
    const refused = await f.cli(dir, ['ses', 'request-production', '--website-url', 'https://app.example.com']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('needs confirmation');
    expect(f.proxy.writes()).toEqual([]);
    for (const url of ['not a url', 'ftp://example.com', 'https://localhost']) {
      const bad = await f.cli(dir, ['ses', 'request-production', '--website-url', url, '--yes', '--json']);
      expect(bad.code, url).toBe(2);
      expect(bad.json).toMatchObject({ ok: false, error: { code: 'INVALID_URL' } });
    }
    const missing = await f.cli(dir, ['ses', 'request-production', '--yes']);
    expect(missing.code).toBe(2);
  });
});
