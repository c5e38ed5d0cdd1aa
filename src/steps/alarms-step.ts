import type { MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { grant } from '../core/permissions.js';
import {
  createOrUpdate,
  destroyOwned,
  diffFields,
  noop,
  sameValue,
  type Change,
  type FieldDiff,
  type Observed,
  type Step,
  type StepContext,
} from '../core/step.js';
import { FUNCTION_KINDS } from '../config/function-kinds.js';
import { foreignReason, ownershipTags } from './ownership.js';
import { logGroupArns, logGroupName as logGroupNameOf } from './log-groups-step.js';

const logGroupName_ = (ctx: Pick<StepContext, 'names'>) => logGroupNameOf(ctx, 'create-auth-challenge');

const METRICS = ['Errors', 'Throttles'] as const;
type Metric = (typeof METRICS)[number];

interface AlarmSpec {
  AlarmName: string;
  FunctionName: string;
  MetricName: Metric | typeof BUDGET_METRIC;
}

/**
 * The pool-wide daily email budget (rateLimit.dailyEmailBudget): once it is spent, the create
 * function fails every sign-in closed and logs this line at error level. A metric filter on its
 * log group counts the line, and an alarm fires on the first one: the Errors alarm alone cannot
 * tell a spent budget from any other failure.
 */
export const BUDGET_LOG_LINE = 'daily email budget spent';
const BUDGET_METRIC = 'EmailBudgetSpent';

function budgetNamespace(ctx: Pick<StepContext, 'names'>): string {
  return `otp-setup/${ctx.names.stackId}`;
}

export function budgetSpec(ctx: Pick<StepContext, 'names'>): AlarmSpec {
  const FunctionName = ctx.names.functions['create-auth-challenge'];
  return { AlarmName: `${FunctionName}-email-budget`, FunctionName, MetricName: BUDGET_METRIC };
}

/** The metric filter's name on the create function's log group. */
export function budgetFilterName(ctx: Pick<StepContext, 'names'>): string {
  return `${ctx.names.stackId}-email-budget`;
}

/** With alarms on, the budget alarm exists while there is a budget to spend (the limiter on, a budget above 0). */
function budgetWanted(ctx: Pick<StepContext, 'config'>): boolean {
  const { alarms } = ctx.config.monitoring;
  return alarms.enabled && ctx.config.rateLimit.enabled && ctx.config.rateLimit.dailyEmailBudget > 0;
}

function desiredFilter(ctx: Pick<StepContext, 'names'>) {
  return {
    filterPattern: `"${BUDGET_LOG_LINE}"`,
    metricTransformations: [{ metricName: BUDGET_METRIC, metricNamespace: budgetNamespace(ctx), metricValue: '1' }],
  };
}

interface AlarmsActual {
  alarms: Record<string, MetricAlarm>;
  /** Each alarm's tags; absent when not read (the state file records it under our stack id). */
  tags?: Record<string, Record<string, string>>;
  /** Our topic (the one `email` asks for), when it exists. */
  topic?: { arn: string; emails: string[]; tags?: Record<string, string> };
  /** The budget line's metric filter on the create function's log group, when it exists. */
  budgetFilter?: {
    filterPattern?: string;
    metricTransformations: Array<{ metricName?: string; metricNamespace?: string; metricValue?: string }>;
  };
}

/** Two alarms per function; named after the function, which carries our ownership tag. */
export function alarmSpecs(ctx: Pick<StepContext, 'names'>): AlarmSpec[] {
  return FUNCTION_KINDS.flatMap((kind) =>
    METRICS.map((MetricName) => {
      const FunctionName = ctx.names.functions[kind];
      return { AlarmName: `${FunctionName}-${MetricName.toLowerCase()}`, FunctionName, MetricName };
    }),
  );
}

export function ourTopicArn(ctx: Pick<StepContext, 'partition' | 'region' | 'accountId' | 'names'>): string {
  return `arn:${ctx.partition}:sns:${ctx.region}:${ctx.accountId}:${ctx.names.stackId}-alarms`;
}

/** The topic the alarms notify: an existing one by ARN, ours for an email address, or none. */
function desiredTopic(ctx: StepContext): string | undefined {
  const a = ctx.config.monitoring.alarms;
  if (!a.enabled) return undefined;
  return a.snsTopicArn ?? (a.email ? ourTopicArn(ctx) : undefined);
}

/** The fields we set and compare. Any error or throttle in 5 minutes is worth a look on a sign-in path. */
function desiredAlarm(spec: AlarmSpec, topic: string | undefined, stackId: string) {
  const common = {
    MetricName: spec.MetricName,
    Statistic: 'Sum',
    Period: 300,
    EvaluationPeriods: 1,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    // No invocations (or no spent budget) is not a problem.
    TreatMissingData: 'notBreaching',
    AlarmActions: topic ? [topic] : [],
  };
  if (spec.MetricName === BUDGET_METRIC) {
    return {
      AlarmDescription: `otp-setup (${stackId}): the pool's daily email budget (rateLimit.dailyEmailBudget) is spent; sign-ins fail until midnight UTC. Run "otp-setup logs".`,
      Namespace: `otp-setup/${stackId}`,
      Dimensions: [],
      ...common,
    };
  }
  return {
    AlarmDescription: `otp-setup (${stackId}): ${spec.FunctionName} reported ${spec.MetricName.toLowerCase()} in the last 5 minutes. Run "otp-setup doctor" and "otp-setup logs".`,
    Namespace: 'AWS/Lambda',
    Dimensions: [{ Name: 'FunctionName', Value: spec.FunctionName }],
    ...common,
  };
}

function observedAlarm(a: MetricAlarm): Record<string, unknown> {
  return {
    AlarmDescription: a.AlarmDescription,
    Namespace: a.Namespace,
    MetricName: a.MetricName,
    Dimensions: (a.Dimensions ?? []).map((d) => ({ Name: d.Name, Value: d.Value })),
    Statistic: a.Statistic,
    Period: a.Period,
    EvaluationPeriods: a.EvaluationPeriods,
    Threshold: a.Threshold,
    ComparisonOperator: a.ComparisonOperator,
    TreatMissingData: a.TreatMissingData,
    AlarmActions: a.AlarmActions ?? [],
  };
}

/** Recorded under the stack id the state names: tagged with it, no need to read the tags. */
function trustRecord(ctx: StepContext): boolean {
  return ctx.config.stackId !== undefined && ctx.state.identity === ctx.config.stackId;
}

/**
 * ListSubscriptionsByTopic answers NotFound for a topic that does not exist (SNS API reference,
 * ListSubscriptionsByTopic, Errors), so it tells whether the topic is there too: one round trip
 * for a topic this stack recorded, whose tags need no reading.
 */
async function readTopic(ctx: StepContext, arn: string): Promise<AlarmsActual['topic']> {
  const { sns } = ctx.ports;
  const trusted = ctx.state.resources.alarms?.topicArn === arn && trustRecord(ctx);
  const subs = await sns.subscriptions(arn);
  if (subs === undefined) return undefined;
  const tags = trusted ? undefined : await sns.tagsOf(arn);
  const emails = subs.filter((s) => s.Protocol === 'email' && s.Endpoint).map((s) => s.Endpoint!.toLowerCase());
  return { arn, emails, ...(trusted ? {} : { tags: tags ?? {} }) };
}

async function readBudgetFilter(ctx: StepContext): Promise<AlarmsActual['budgetFilter']> {
  const found = await ctx.ports.logs.metricFilterNamed(logGroupName_(ctx), budgetFilterName(ctx));
  if (!found) return undefined;
  return {
    filterPattern: found.filterPattern,
    metricTransformations: (found.metricTransformations ?? []).map((t) => ({
      metricName: t.metricName,
      metricNamespace: t.metricNamespace,
      metricValue: t.metricValue,
    })),
  };
}

/**
 * Optional CloudWatch alarms on each function's Errors and Throttles (`monitoring.alarms`),
 * notifying an existing SNS topic or one created here with an email subscription. Off by
 * default: alarms cost money each month and need someone to read them.
 */
export async function readAlarms(ctx: StepContext): Promise<Observed<AlarmsActual>> {
  const specs = [...alarmSpecs(ctx), budgetSpec(ctx)];
  const recordedTopic = ctx.state.resources.alarms?.topicArn;
  const wantOurs = ctx.config.monitoring.alarms.enabled && ctx.config.monitoring.alarms.email !== undefined;
  // Exact names, one call: also finds alarms to remove after they were switched off. The topic,
  // the alarms and the metric filter are read at once.
  const [found, budgetFilter, topic] = await Promise.all([
    ctx.ports.cloudwatch.metricAlarmsNamed(specs.map((s) => s.AlarmName)),
    readBudgetFilter(ctx),
    wantOurs || recordedTopic ? readTopic(ctx, recordedTopic ?? ourTopicArn(ctx)) : undefined,
  ]);
  const alarms: Record<string, MetricAlarm> = {};
  for (const a of found) if (a.AlarmName) alarms[a.AlarmName] = a;
  if (Object.keys(alarms).length === 0 && !topic && !budgetFilter) return { status: 'absent' };
  // Alarms are named after the functions, so another project's stack has the same names: tags decide.
  const recordedNames = new Set(ctx.state.resources.alarms?.names ?? []);
  const toRead = Object.values(alarms).filter((a) => !(recordedNames.has(a.AlarmName!) && trustRecord(ctx)));
  const tags: Record<string, Record<string, string>> = {};
  await Promise.all(
    toRead.map(async (a) => {
      tags[a.AlarmName!] = (await ctx.ports.cloudwatch.tagsOf(a.AlarmName, a.AlarmArn)) ?? {};
    }),
  );
  const foreign = [
    ...Object.entries(tags).map(([name, t]) => foreignReason(ctx, 'CloudWatch alarm', name, t, recordedNames.has(name))),
    topic?.tags ? foreignReason(ctx, 'SNS topic', topic.arn.split(':').pop()!, topic.tags, recordedTopic === topic.arn) : undefined,
  ].filter((r): r is string => r !== undefined);
  return {
    status: 'present',
    actual: { alarms, tags, ...(topic ? { topic } : {}), ...(budgetFilter ? { budgetFilter } : {}) },
    ...(foreign.length > 0 ? { foreign: foreign.join('; ') } : {}),
  };
}

/** Alarms and topic whose tags are not (yet) ours: adopted with --adopt, or from before stack ids. */
function untagged(ctx: StepContext, actual: AlarmsActual): { alarms: string[]; topic: boolean } {
  const want = ownershipTags(ctx);
  const lacks = (t: Record<string, string> | undefined) => t !== undefined && Object.entries(want).some(([k, v]) => t[k] !== v);
  return { alarms: Object.keys(actual.alarms).filter((n) => lacks(actual.tags?.[n])), topic: lacks(actual.topic?.tags) };
}

/**
 * Alarms and topic found and ours are recorded even when nothing is left to do: a run killed after
 * making them, before it recorded them, would otherwise leave them out of the state file for good
 * (and a topic nobody records is never deleted once alarms are switched off).
 */
function recordFound(ctx: StepContext, actual: AlarmsActual): void {
  const s = ctx.state.resources;
  const names = [...new Set([...(s.alarms?.names ?? []), ...Object.keys(actual.alarms)])];
  const topicArn = s.alarms?.topicArn ?? actual.topic?.arn;
  if (names.length > 0 || topicArn) s.alarms = { names, ...(topicArn ? { topicArn } : {}) };
}

export const alarmsStep: Step<AlarmsActual, 'alarms'> = {
  id: 'alarms',
  title: 'CloudWatch alarms',
  // The budget's metric filter goes on the create function's log group, which must exist first.
  dependsOn: ['log-groups'],
  // Reads by name and state only: it need not wait for the log groups, only its writes do.
  independentRead: true,

  permissions(scope) {
    // Every alarm is named "<function>-<what>": one pattern per function instead of eleven exact
    // ARNs keeps the whole policy under a managed policy's 6,144 characters. It also matches the
    // alarms of a same-named stack whose stage starts with this one's stage and a dash (or any
    // stage, when this stack has none): the price of fitting.
    const alarms = FUNCTION_KINDS.map(
      (kind) => `arn:${scope.partition}:cloudwatch:${scope.region}:${scope.accountId}:alarm:${scope.names.functions[kind]}-*`,
    );
    const topic = [ourTopicArn(scope)];
    const { enabled, email } = scope.config.monitoring.alarms;
    // Teardown always looks for alarms (a lost state file may have forgotten them), so reading and deleting
    // are granted even with alarms off. DescribeAlarms is read-only and granted on "*". The tags of an
    // alarm or topic the state file does not record are read to tell ours from another stack's.
    const grants = [
      grant(['cloudwatch:DescribeAlarms'], ['*']),
      grant(['cloudwatch:ListTagsForResource', 'cloudwatch:DeleteAlarms'], alarms),
      grant(['sns:ListSubscriptionsByTopic', 'sns:ListTagsForResource', 'sns:DeleteTopic'], topic),
    ];
    // PutMetricAlarm with Tags also needs cloudwatch:TagResource, CreateTopic with Tags sns:TagResource (SDK models).
    // On every function's group, not only the create function's: the grant then shares the log
    // groups' statement, which keeps the whole policy under the managed-policy size limit.
    const createGroup = logGroupArns(scope);
    grants.push(grant(['logs:DescribeMetricFilters', 'logs:DeleteMetricFilter'], createGroup));
    if (enabled) grants.push(grant(['cloudwatch:PutMetricAlarm', 'cloudwatch:TagResource'], alarms));
    if (budgetWanted(scope)) grants.push(grant(['logs:PutMetricFilter'], createGroup));
    if (enabled && email) grants.push(grant(['sns:CreateTopic', 'sns:TagResource', 'sns:Subscribe'], topic));
    return grants;
  },

  async read(ctx) {
    // Off and never on (nothing recorded): no call at all, and no CloudWatch client to load.
    // Teardown still looks, in case a lost state file forgot alarms made earlier.
    const { enabled } = ctx.config.monitoring.alarms;
    if (!enabled && ctx.state.steps.alarms === undefined && !ctx.state.resources.alarms) return { status: 'absent' };
    const observed = await readAlarms(ctx);
    if (observed.status === 'present' && !observed.foreign) recordFound(ctx, observed.actual);
    return observed;
  },

  plan(ctx, observed): Change {
    const { enabled, email } = ctx.config.monitoring.alarms;
    const actual: AlarmsActual = observed.status === 'present' ? observed.actual : { alarms: {} };
    const specs = [...alarmSpecs(ctx), budgetSpec(ctx)];
    const wanted = (spec: AlarmSpec) => enabled && (spec.MetricName !== BUDGET_METRIC || budgetWanted(ctx));
    const topic = desiredTopic(ctx);
    const createTopic = enabled && email !== undefined && !actual.topic;
    const subscribe = enabled && email !== undefined && !(actual.topic?.emails ?? []).includes(email.toLowerCase());
    // Our topic is removed when alarms are off or point elsewhere.
    const deleteTopic = actual.topic !== undefined && actual.topic.arn !== topic;
    const diffs: FieldDiff[] = [];
    const toPut: AlarmSpec[] = [];
    const toDelete: string[] = [];
    for (const spec of specs) {
      const have = actual.alarms[spec.AlarmName];
      if (!wanted(spec)) {
        if (have) {
          toDelete.push(spec.AlarmName);
          const why = enabled ? 'no daily email budget (rateLimit)' : 'monitoring.alarms.enabled is false';
          diffs.push({ field: spec.AlarmName, actual: 'present', desired: `absent (${why})` });
        }
        continue;
      }
      const want = desiredAlarm(spec, topic, ctx.names.stackId);
      if (!have) {
        toPut.push(spec);
        diffs.push({
          field: spec.AlarmName,
          actual: undefined,
          desired: spec.MetricName === BUDGET_METRIC ? 'daily email budget spent' : `${spec.MetricName} ≥ 1 in 5 min`,
        });
        continue;
      }
      const d = diffFields(observedAlarm(have), want);
      if (d.length > 0) toPut.push(spec);
      for (const x of d) diffs.push({ ...x, field: `${spec.AlarmName} ${x.field}` });
    }
    const filterWant = budgetWanted(ctx) ? desiredFilter(ctx) : undefined;
    const putFilter = filterWant !== undefined && !sameValue(actual.budgetFilter, filterWant);
    const deleteFilter = filterWant === undefined && actual.budgetFilter !== undefined;
    if (putFilter || deleteFilter)
      diffs.push({
        field: 'budget metric filter',
        actual: actual.budgetFilter?.filterPattern,
        desired: filterWant?.filterPattern ?? 'absent',
      });
    if (createTopic) diffs.push({ field: 'topic', actual: undefined, desired: ourTopicArn(ctx) });
    if (subscribe) diffs.push({ field: 'subscription', actual: actual.topic?.emails, desired: email });
    if (deleteTopic) diffs.push({ field: 'topic', actual: actual.topic?.arn, desired: topic });
    // PutMetricAlarm ignores Tags on an existing alarm: adopted ones are tagged separately.
    const retag = untagged(ctx, actual);
    const toTag = retag.alarms.filter((n) => !toDelete.includes(n));
    const tagTopic = retag.topic && !deleteTopic;
    if (toTag.length > 0 || tagTopic)
      diffs.push({ field: 'tags', actual: [...toTag, ...(tagTopic ? ['topic'] : [])], desired: ownershipTags(ctx) });
    const notes: string[] = [];
    if (enabled && !topic)
      notes.push('Alarms notify nobody: set monitoring.alarms.email or monitoring.alarms.snsTopicArn to be told when they fire.');
    if (diffs.length === 0)
      return noop(
        enabled
          ? `unchanged (${specs.filter(wanted).length} alarms${topic ? ` → ${topic.split(':').pop()}` : ''})`
          : 'off (monitoring.alarms.enabled is false)',
        notes,
      );
    const parts = [
      toPut.length && `put ${toPut.length} alarm(s)`,
      toDelete.length && `delete ${toDelete.length} alarm(s)`,
      putFilter && 'put the budget metric filter',
      deleteFilter && 'delete the budget metric filter',
      createTopic && 'create topic',
      subscribe && `subscribe ${email}`,
      deleteTopic && 'delete our topic',
      (toTag.length > 0 || tagTopic) && "tag as this stack's",
    ].filter(Boolean);
    if (subscribe) notes.push(`AWS emailed a confirmation link to ${email}: alarm emails arrive only after it is clicked.`);
    return createOrUpdate(
      observed,
      parts.join(', '),
      diffs,
      async (c) => {
        const { cloudwatch, logs, sns } = c.ports;
        const s = c.state.resources;
        const tags = ownershipTags(c);
        if (createTopic) {
          const topicArn = await sns.createTopic(`${c.names.stackId}-alarms`, tags);
          s.alarms = { names: s.alarms?.names ?? [], topicArn: topicArn ?? ourTopicArn(c) };
        }
        if (subscribe && email) await sns.subscribeEmail(ourTopicArn(c), email);
        if (deleteTopic && actual.topic) {
          await sns.deleteTopic(actual.topic.arn);
          if (s.alarms) delete s.alarms.topicArn;
        }
        // Before the alarm, so the metric it watches is being counted once it exists.
        if (filterWant && putFilter)
          await logs.putMetricFilter({ logGroupName: logGroupName_(c), filterName: budgetFilterName(c), ...filterWant });
        if (deleteFilter) await logs.deleteMetricFilter(logGroupName_(c), budgetFilterName(c));
        await Promise.all(
          toPut.map((spec) => {
            const want = desiredAlarm(spec, topic, c.names.stackId);
            return cloudwatch.putMetricAlarm(
              {
                AlarmName: spec.AlarmName,
                ...want,
                Dimensions: want.Dimensions.length > 0 ? want.Dimensions : undefined,
                Statistic: 'Sum',
                ComparisonOperator: 'GreaterThanOrEqualToThreshold',
                ActionsEnabled: true,
              },
              // Applied only when the alarm is created; adopted alarms are tagged below.
              tags,
            );
          }),
        );
        await Promise.all([
          ...toTag.map((name) => cloudwatch.tagResource(name, actual.alarms[name]!.AlarmArn, tags)),
          tagTopic && actual.topic ? sns.tagResource(actual.topic.arn, tags) : undefined,
        ]);
        if (toDelete.length > 0) await cloudwatch.deleteAlarms(toDelete);
        const names = specs.filter(wanted).map((x) => x.AlarmName);
        const topicArn = s.alarms?.topicArn;
        if (names.length > 0 || topicArn) s.alarms = { names, ...(topicArn ? { topicArn } : {}) };
        else delete s.alarms;
      },
      notes,
    );
  },

  // Teardown always looks (readAlarms, not read): a lost state file may have forgotten alarms made earlier.
  readForTeardown: readAlarms,

  destroy: (ctx, observed) =>
    destroyOwned(
      observed,
      async (actual) => {
        if (actual.budgetFilter) await ctx.ports.logs.deleteMetricFilter(logGroupName_(ctx), budgetFilterName(ctx));
        const names = Object.keys(actual.alarms);
        if (names.length > 0) await ctx.ports.cloudwatch.deleteAlarms(names);
        if (actual.topic) await ctx.ports.sns.deleteTopic(actual.topic.arn);
        delete ctx.state.resources.alarms;
        return { action: 'deleted', summary: `deleted ${names.length} alarm(s)${actual.topic ? ' and the alarm topic' : ''}` };
      },
      { forget: () => delete ctx.state.resources.alarms, summary: 'none' },
    ),
};
