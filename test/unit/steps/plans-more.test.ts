import type { MetricAlarm } from '@aws-sdk/client-cloudwatch';
import type { TableDescription } from '@aws-sdk/client-dynamodb';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../../src/config/schema.js';
import type { Observed, Step, StepContext } from '../../../src/core/step.js';
import { FUNCTION_KINDS } from '../../../src/config/function-kinds.js';
import { alarmSpecs, alarmsStep, budgetSpec, ourTopicArn } from '../../../src/steps/alarms-step.js';
import { functionStep } from '../../../src/steps/function-step.js';
import { handlerEnvironment } from '../../../src/spec/handler-environment.js';
import { STEPS } from '../../../src/steps/index.js';
import { logGroupName, logGroupsStep } from '../../../src/steps/log-groups-step.js';
import { rateLimitTableStep } from '../../../src/steps/rate-limit-table-step.js';
import { planContext } from './context.js';

// plan() of the steps plans.test.ts does not cover: the functions' log groups, the rate-limit
// table, the alarms and the post-authentication function (the WAF's are in waf-plan.test.ts).
// plan is pure: planContext() has no AWS.

const absent = { status: 'absent' } as const;
const tags = { 'otp-setup:stack': 'email-otp', 'otp-setup:managed-by': 'otp-setup' };
const present = <T>(actual: T): Observed<T> => ({ status: 'present', actual });
type ActualOf<S> = S extends Step<infer T> ? T : never;

describe('every step has plan tests', () => {
  it('the step list is the one these files cover (a new step needs its plan tests here, in plans.test.ts or in <step>-plan.test.ts)', () => {
    // Steps whose plan tests live in a file of their own, next to this one.
    const ownFile = ['waf'];
    for (const id of ownFile) expect(existsSync(new URL(`./${id}-plan.test.ts`, import.meta.url)), `${id}-plan.test.ts`).toBe(true);
    expect(STEPS.map((s) => s.id)).toEqual([
      'log-groups',
      'role',
      'ses-identity',
      'ses-domain',
      'rate-limit-table',
      ...FUNCTION_KINDS.map((k) => `function:${k}`),
      'user-pool',
      'permissions',
      'app-client',
      'frontend-env',
      'alarms',
      ...ownFile,
    ]);
  });
});

describe('log groups plan', () => {
  const ctx = planContext();
  const group = (kind: (typeof FUNCTION_KINDS)[number]) => ({
    arn: `arn:aws:logs:us-east-1:123456789012:log-group:${logGroupName(ctx, kind)}`,
    retentionDays: 30 as number | undefined,
    tags: tags as Record<string, string> | undefined,
  });
  const all = Object.fromEntries(FUNCTION_KINDS.map((k) => [k, group(k)])) as ActualOf<typeof logGroupsStep>;

  it('absent → create one group per function, with the retention and our tags', () => {
    const change = logGroupsStep.plan(ctx, absent);
    expect(change.kind).toBe('create');
    expect(change.summary).toBe(`create ${FUNCTION_KINDS.length} (retention 30 days)`);
    expect(change.diffs.map((d) => d.field)).toEqual(FUNCTION_KINDS.map((k) => `/aws/lambda/email-otp-${k}`));
    expect(change.diffs[0]!.desired).toEqual({ retentionDays: 30, tags });
  });

  it('all there with retention and tags → noop', () => {
    expect(logGroupsStep.plan(ctx, present(all))).toMatchObject({ kind: 'noop', summary: 'unchanged (retention 30 days)' });
  });

  it('tags not read (recorded under our stack id) are not drift', () => {
    const untold = Object.fromEntries(FUNCTION_KINDS.map((k) => [k, { ...group(k), tags: undefined }])) as ActualOf<typeof logGroupsStep>;
    expect(logGroupsStep.plan(ctx, present(untold)).kind).toBe('noop');
  });

  it('a group Lambda made itself (no retention, untagged) is given both; a missing one is created', () => {
    const { 'pre-sign-up': _gone, ...rest } = all;
    const actual = { ...rest, 'verify-auth-challenge': { ...group('verify-auth-challenge'), retentionDays: undefined, tags: {} } };
    const change = logGroupsStep.plan(ctx, present(actual));
    expect(change.kind).toBe('update');
    expect(change.summary).toBe('create 1, set retention on 1, tag 1 (retention 30 days)');
    expect(change.diffs.map((d) => d.field).sort()).toEqual([
      '/aws/lambda/email-otp-pre-sign-up',
      '/aws/lambda/email-otp-verify-auth-challenge retentionDays',
      '/aws/lambda/email-otp-verify-auth-challenge tags',
    ]);
  });

  it('a retention change in the config is an update of every group', () => {
    const change = logGroupsStep.plan(planContext({ monitoring: { logRetentionDays: 90 } }), present(all));
    expect(change.diffs).toHaveLength(FUNCTION_KINDS.length);
    expect(change.diffs[0]).toMatchObject({ actual: 30, desired: 90 });
  });
});

describe('rate-limit table plan', () => {
  const table = (over: Partial<TableDescription> = {}): TableDescription => ({
    TableName: 'email-otp-rate-limits',
    TableArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/email-otp-rate-limits',
    TableStatus: 'ACTIVE',
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
    ...over,
  });
  const actual = { table: table(), ttlAttribute: 'expiresAt', tags };
  const ctx = planContext();

  it('absent → create on-demand with TTL', () => {
    const change = rateLimitTableStep.plan(ctx, absent);
    expect(change).toMatchObject({ kind: 'create', summary: 'create email-otp-rate-limits (on-demand, TTL on expiresAt)' });
  });

  it('matching → noop', () => expect(rateLimitTableStep.plan(ctx, present(actual)).kind).toBe('noop'));

  it('off → noop either way; an existing table is kept until teardown', () => {
    const off = planContext({ rateLimit: { enabled: false } });
    expect(rateLimitTableStep.plan(off, absent)).toMatchObject({ kind: 'noop', summary: 'disabled (rateLimit.enabled is false)' });
    expect(rateLimitTableStep.plan(off, present(actual))).toMatchObject({
      kind: 'noop',
      summary: 'disabled; the table is kept until teardown',
    });
  });

  it('provisioned billing, TTL off and missing tags → one in-place update naming each', () => {
    const drifted = { table: table({ BillingModeSummary: undefined }), ttlAttribute: undefined, tags: {} };
    const change = rateLimitTableStep.plan(ctx, present(drifted));
    expect(change.kind).toBe('update');
    expect(change.diffs.map((d) => [d.field, d.actual, d.desired])).toEqual([
      ['BillingMode', 'PROVISIONED', 'PAY_PER_REQUEST'],
      ['TimeToLive', undefined, 'expiresAt'],
      ['Tags', { 'otp-setup:stack': undefined, 'otp-setup:managed-by': undefined }, tags],
    ]);
  });

  it('another key schema → replace (the table holds only short-lived counters)', () => {
    const other = { ...actual, table: table({ KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] }) };
    const change = rateLimitTableStep.plan(ctx, present(other));
    expect(change.kind).toBe('replace');
    expect(change.diffs.map((d) => d.field)).toEqual(['Key']);
  });

  it('a TTL on another attribute is drift, which the update refuses before any write (DynamoDB allows one)', async () => {
    const change = rateLimitTableStep.plan(ctx, present({ ...actual, ttlAttribute: 'ttl' }));
    expect(change.diffs).toEqual([{ field: 'TimeToLive', actual: 'ttl', desired: 'expiresAt' }]);
    // apply with a context whose AWS clients reject every call: the refusal comes first.
    await expect(change.apply!(ctx)).rejects.toMatchObject({ code: 'TABLE_TTL_IN_USE' });
  });
});

describe('alarms plan', () => {
  const on = (alarms: Record<string, unknown> = {}, config: Partial<ConfigInput> = {}) =>
    planContext({ monitoring: { alarms: { enabled: true, ...alarms } }, ...config });
  const topicArn = 'arn:aws:sns:us-east-1:123456789012:ops-alerts';
  // Ten alarms (errors and throttles of each function) and, with the default daily email budget
  // (rateLimit.dailyEmailBudget 5000), the budget alarm fed by a metric filter on the create function's log.
  const ALARMS = 2 * FUNCTION_KINDS.length + 1;
  const budgetAlarm = 'email-otp-create-auth-challenge-email-budget';
  const budgetFilter = {
    filterPattern: '"daily email budget spent"',
    metricTransformations: [{ metricName: 'EmailBudgetSpent', metricNamespace: 'otp-setup/email-otp', metricValue: '1' }],
  };

  function deployed(ctx: StepContext, topic: string | undefined): Record<string, MetricAlarm> {
    const common = {
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: topic ? [topic] : [],
    } satisfies MetricAlarm;
    const budget = budgetSpec(ctx);
    return Object.fromEntries([
      ...alarmSpecs(ctx).map((s) => [
        s.AlarmName,
        {
          AlarmName: s.AlarmName,
          AlarmArn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${s.AlarmName}`,
          AlarmDescription: `otp-setup (email-otp): ${s.FunctionName} reported ${s.MetricName.toLowerCase()} in the last 5 minutes. Run "otp-setup doctor" and "otp-setup logs".`,
          Namespace: 'AWS/Lambda',
          MetricName: s.MetricName,
          Dimensions: [{ Name: 'FunctionName', Value: s.FunctionName }],
          ...common,
        } satisfies MetricAlarm,
      ]),
      [
        budget.AlarmName,
        {
          AlarmName: budget.AlarmName,
          AlarmArn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${budget.AlarmName}`,
          AlarmDescription:
            'otp-setup (email-otp): the pool\'s daily email budget (rateLimit.dailyEmailBudget) is spent; sign-ins fail until midnight UTC. Run "otp-setup logs".',
          Namespace: 'otp-setup/email-otp',
          MetricName: 'EmailBudgetSpent',
          Dimensions: [],
          ...common,
        } satisfies MetricAlarm,
      ],
    ]);
  }

  it('off and nothing there → noop that says so', () => {
    expect(alarmsStep.plan(planContext(), absent)).toMatchObject({ kind: 'noop', summary: 'off (monitoring.alarms.enabled is false)' });
  });

  it('on → two alarms per function and the budget alarm with its metric filter; with no topic it notes that nobody is told', () => {
    const ctx = on();
    expect(ctx.config.rateLimit.dailyEmailBudget).toBe(5000);
    expect(budgetSpec(ctx).AlarmName).toBe(budgetAlarm);
    const change = alarmsStep.plan(ctx, absent);
    expect(change.kind).toBe('create');
    expect(change.summary).toBe(`put ${ALARMS} alarm(s), put the budget metric filter`);
    expect(change.diffs.map((d) => d.field)).toContain('email-otp-pre-sign-up-throttles');
    expect(change.diffs).toContainEqual({ field: budgetAlarm, actual: undefined, desired: 'daily email budget spent' });
    expect(change.diffs).toContainEqual({ field: 'budget metric filter', actual: undefined, desired: '"daily email budget spent"' });
    expect(change.notes.join('\n')).toContain('Alarms notify nobody');
  });

  it('on with no daily email budget, or no rate limiter to count it → the ten function alarms only, no filter', () => {
    for (const rateLimit of [{ dailyEmailBudget: 0 }, { enabled: false }]) {
      const change = alarmsStep.plan(on({}, { rateLimit }), absent);
      expect(change.summary).toBe(`put ${2 * FUNCTION_KINDS.length} alarm(s)`);
      expect(change.diffs.map((d) => d.field)).not.toContain(budgetAlarm);
      expect(change.diffs.map((d) => d.field)).not.toContain('budget metric filter');
    }
  });

  it('on with an email → creates our topic and subscribes, noting the confirmation link', () => {
    const ctx = on({ email: 'ops@example.com' });
    const change = alarmsStep.plan(ctx, absent);
    expect(change.summary).toBe(`put ${ALARMS} alarm(s), put the budget metric filter, create topic, subscribe ops@example.com`);
    expect(change.diffs).toContainEqual({ field: 'topic', actual: undefined, desired: ourTopicArn(ctx) });
    expect(change.notes.join('\n')).toContain('AWS emailed a confirmation link to ops@example.com');
  });

  it('deployed as wanted (tags not read) → noop naming the topic', () => {
    const ctx = on({ snsTopicArn: topicArn });
    const change = alarmsStep.plan(ctx, present({ alarms: deployed(ctx, topicArn), budgetFilter }));
    expect(change).toMatchObject({ kind: 'noop', summary: `unchanged (${ALARMS} alarms → ops-alerts)` });
  });

  it('the budget metric filter missing or changed → put again, alarms untouched', () => {
    const ctx = on({ snsTopicArn: topicArn });
    const alarms = deployed(ctx, topicArn);
    expect(alarmsStep.plan(ctx, present({ alarms }))).toMatchObject({
      kind: 'update',
      summary: 'put the budget metric filter',
      diffs: [{ field: 'budget metric filter', actual: undefined, desired: '"daily email budget spent"' }],
    });
    const edited = { ...budgetFilter, filterPattern: '"budget"' };
    expect(alarmsStep.plan(ctx, present({ alarms, budgetFilter: edited })).diffs).toEqual([
      { field: 'budget metric filter', actual: '"budget"', desired: '"daily email budget spent"' },
    ]);
  });

  it('the budget set to 0 with alarms on → deletes the budget alarm and its filter, saying why', () => {
    const was = on({ snsTopicArn: topicArn });
    const ctx = on({ snsTopicArn: topicArn }, { rateLimit: { dailyEmailBudget: 0 } });
    const change = alarmsStep.plan(ctx, present({ alarms: deployed(was, topicArn), budgetFilter }));
    expect(change.summary).toBe('delete 1 alarm(s), delete the budget metric filter');
    expect(change.diffs).toEqual([
      { field: budgetAlarm, actual: 'present', desired: 'absent (no daily email budget (rateLimit))' },
      { field: 'budget metric filter', actual: '"daily email budget spent"', desired: 'absent' },
    ]);
  });

  it('another topic in the config → every alarm is put again with the new action', () => {
    const ctx = on({ snsTopicArn: topicArn });
    const change = alarmsStep.plan(ctx, present({ alarms: deployed(ctx, 'arn:aws:sns:us-east-1:123456789012:old'), budgetFilter }));
    expect(change.kind).toBe('update');
    expect(change.summary).toBe(`put ${ALARMS} alarm(s)`);
    expect(change.diffs).toHaveLength(ALARMS);
    for (const d of change.diffs) expect(d).toMatchObject({ field: expect.stringMatching(/ AlarmActions$/), desired: [topicArn] });
    expect(change.diffs.map((d) => d.field)).toContain(`${budgetAlarm} AlarmActions`);
  });

  it('switched off → deletes the alarms, the budget metric filter and our topic', () => {
    const was = on({ email: 'ops@example.com' });
    const topic = { arn: ourTopicArn(was), emails: ['ops@example.com'] };
    const change = alarmsStep.plan(planContext(), present({ alarms: deployed(was, topic.arn), topic, budgetFilter }));
    expect(change.summary).toBe(`delete ${ALARMS} alarm(s), delete the budget metric filter, delete our topic`);
    expect(change.diffs).toContainEqual({ field: 'budget metric filter', actual: '"daily email budget spent"', desired: 'absent' });
    expect(change.diffs.at(-1)).toEqual({ field: 'topic', actual: topic.arn, desired: undefined });
  });

  it('adopted alarms without our tags are tagged, since PutMetricAlarm ignores tags on an update', () => {
    const ctx = on({ snsTopicArn: topicArn });
    const alarms = deployed(ctx, topicArn);
    const untagged = Object.fromEntries(Object.keys(alarms).map((n) => [n, {}]));
    const change = alarmsStep.plan(ctx, present({ alarms, tags: untagged, budgetFilter }));
    expect(change.summary).toBe("tag as this stack's");
    expect(change.diffs).toEqual([{ field: 'tags', actual: Object.keys(alarms), desired: tags }]);
  });
});

describe('post-authentication function plan', () => {
  const ctx = planContext();
  const step = functionStep('post-authentication');
  const settings = {
    Runtime: 'nodejs22.x',
    Role: 'arn:aws:iam::123456789012:role/EmailOTPLambdaExecutionRole',
    Handler: 'index.handler',
    Timeout: 5,
    MemorySize: 256,
    Environment: handlerEnvironment('post-authentication', ctx.config),
    TracingConfig: { Mode: 'PassThrough' },
  };
  const actual = {
    arn: 'arn:aws:lambda:us-east-1:123456789012:function:email-otp-post-authentication',
    settings,
    codeSha256: 'sha-post-authentication',
    tags,
  };

  it('absent → create', () => expect(step.plan(ctx, absent).kind).toBe('create'));
  it('same code and settings → noop', () => expect(step.plan(ctx, present(actual)).kind).toBe('noop'));
  it('gets no secret, and an OTP setting does not touch it', () => {
    expect(Object.keys(settings.Environment)).toEqual(['LOG_LEVEL']);
    expect(step.plan(planContext({ otp: { length: 8, maxAttempts: 5 } }), present(actual)).kind).toBe('noop');
  });
  it('tracing switched on → update TracingConfig only', () => {
    const change = step.plan(planContext({ monitoring: { tracing: true } }), present(actual));
    expect(change.diffs).toEqual([{ field: 'TracingConfig', actual: { Mode: 'PassThrough' }, desired: { Mode: 'Active' } }]);
  });
});
