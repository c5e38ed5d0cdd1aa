import type { LogGroup } from '@aws-sdk/client-cloudwatch-logs';
import { grant, type PermissionScope } from '../core/permissions.js';
import { createOrUpdate, destroyOwned, diffFields, noop, type Change, type FieldDiff, type Step, type StepContext } from '../core/step.js';
import { FUNCTION_KINDS, type FunctionKind } from '../config/function-kinds.js';
import { foreignReason, ownershipTags } from './ownership.js';

interface GroupActual {
  arn: string;
  retentionDays: number | undefined;
  /** Undefined when not read: the state file says we tagged it (saves one call per group). */
  tags: Record<string, string> | undefined;
}

type LogGroupsActual = Partial<Record<FunctionKind, GroupActual>>;

function recorded(ctx: Pick<StepContext, 'state'>): string[] {
  return ctx.state.resources.logGroups ?? [];
}

function record(ctx: Pick<StepContext, 'state'>, names: string[] | undefined): void {
  const { resources } = ctx.state;
  if (names && names.length > 0) resources.logGroups = [...names].sort();
  else delete resources.logGroups;
}

/** Lambda writes each function's logs to /aws/lambda/<function name>. */
export function logGroupName(ctx: Pick<StepContext, 'names'>, kind: FunctionKind): string {
  return `/aws/lambda/${ctx.names.functions[kind]}`;
}

/**
 * Our groups' ARNs as IAM policies must spell them: with a trailing ":*" for most actions, bare for
 * TagResource, UntagResource and ListTagsForResource (LogGroup.arn in the CloudWatch Logs API
 * reference, https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_LogGroup.html).
 */
export function logGroupArns(scope: PermissionScope, forTagging = false): string[] {
  return FUNCTION_KINDS.map(
    (kind) =>
      `arn:${scope.partition}:logs:${scope.region}:${scope.accountId}:log-group:${logGroupName(scope, kind)}${forTagging ? '' : ':*'}`,
  );
}

function commonPrefix(values: string[]): string {
  let prefix = values[0] ?? '';
  for (const v of values) while (!v.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}

/** ARNs from DescribeLogGroups end in ":*" on `arn`; the tagging API wants the bare one. */
function bareArn(group: LogGroup): string {
  return group.logGroupArn ?? (group.arn ?? '').replace(/:\*$/, '');
}

async function describeOurs(ctx: StepContext): Promise<Map<string, LogGroup>> {
  const wanted = new Set(FUNCTION_KINDS.map((k) => logGroupName(ctx, k)));
  const found = new Map<string, LogGroup>();
  // One listing finds all the groups: they share the stack's name prefix.
  for (const g of await ctx.ports.logs.logGroupsWithPrefix(commonPrefix([...wanted]))) {
    if (g.logGroupName && wanted.has(g.logGroupName)) found.set(g.logGroupName, g);
  }
  return found;
}

function desired(ctx: StepContext) {
  return { retentionDays: ctx.config.monitoring.logRetentionDays, tags: ownershipTags(ctx) };
}

/**
 * The functions' log groups, created before the functions so their logs expire: a log group
 * Lambda creates on first invocation keeps every line forever (and the guide's handlers logged
 * the code). A group Lambda already created for a function this folder's state records,
 * untagged, is taken over; any other group that is not tagged with our stack id is foreign.
 */
export const logGroupsStep: Step<LogGroupsActual, 'log-groups'> = {
  id: 'log-groups',
  title: 'Function log groups',
  dependsOn: [],

  permissions(scope) {
    return [
      // A prefix search over the account's groups in this region: granted on every log group here.
      grant(['logs:DescribeLogGroups'], [`arn:${scope.partition}:logs:${scope.region}:${scope.accountId}:log-group:*`]),
      // CreateLogGroup with tags also needs logs:TagResource; TagLogGroup is the takeover path.
      grant(['logs:CreateLogGroup', 'logs:TagLogGroup', 'logs:PutRetentionPolicy', 'logs:DeleteLogGroup'], logGroupArns(scope)),
      grant(['logs:ListTagsForResource', 'logs:TagResource'], logGroupArns(scope, true)),
    ];
  },

  async read(ctx) {
    const found = await describeOurs(ctx);
    if (found.size === 0) return { status: 'absent' };
    const ours = new Set(recorded(ctx));
    // Recorded groups were tagged with the stack id the state file names: no need to read their tags.
    const taggedWithOurId = ctx.config.stackId !== undefined && ctx.state.identity === ctx.config.stackId;
    const actual: LogGroupsActual = {};
    const foreign: string[] = [];
    await Promise.all(
      FUNCTION_KINDS.map(async (kind) => {
        const name = logGroupName(ctx, kind);
        const group = found.get(name);
        if (!group) return;
        const arn = bareArn(group);
        const tags = ours.has(name) && taggedWithOurId ? undefined : ((await ctx.ports.logs.tagsOf(name, arn)) ?? {});
        // A group Lambda created itself (untagged) for a function this folder recorded is ours too.
        const provenOurs = ours.has(name) || ctx.state.resources.functions?.[kind] !== undefined;
        const reason = tags ? foreignReason(ctx, 'log group', name, tags, provenOurs, { untaggedOursWhenRecorded: true }) : undefined;
        if (reason) foreign.push(reason);
        actual[kind] = { arn, retentionDays: group.retentionInDays, tags };
      }),
    );
    // Found and ours is recorded even when nothing is left to do: a run killed after creating the
    // groups, before it recorded them, would otherwise leave them out of the state file for good.
    if (foreign.length === 0)
      record(ctx, [...new Set([...ours, ...FUNCTION_KINDS.filter((k) => actual[k]).map((k) => logGroupName(ctx, k))])]);
    return { status: 'present', actual, ...(foreign.length > 0 ? { foreign: foreign.join('; ') } : {}) };
  },

  plan(ctx, observed): Change {
    const want = desired(ctx);
    const actual = observed.status === 'present' ? observed.actual : {};
    const diffs: FieldDiff[] = [];
    const toCreate: FunctionKind[] = [];
    const toRetain: FunctionKind[] = [];
    const toTag: FunctionKind[] = [];
    for (const kind of FUNCTION_KINDS) {
      const name = logGroupName(ctx, kind);
      const have = actual[kind];
      if (!have) {
        toCreate.push(kind);
        diffs.push({ field: name, actual: undefined, desired: want });
        continue;
      }
      const tags = have.tags === undefined ? want.tags : Object.fromEntries(Object.keys(want.tags).map((k) => [k, have.tags?.[k]]));
      const fieldDiffs = diffFields({ retentionDays: have.retentionDays, tags }, want);
      if (fieldDiffs.some((d) => d.field === 'retentionDays')) toRetain.push(kind);
      if (fieldDiffs.some((d) => d.field === 'tags')) toTag.push(kind);
      for (const d of fieldDiffs) diffs.push({ ...d, field: `${name} ${d.field}` });
    }
    if (diffs.length === 0) return noop(`unchanged (retention ${want.retentionDays} days)`);
    const parts = [
      toCreate.length && `create ${toCreate.length}`,
      toRetain.length && `set retention on ${toRetain.length}`,
      toTag.length && `tag ${toTag.length}`,
    ].filter(Boolean);
    const change = createOrUpdate(observed, `${parts.join(', ')} (retention ${want.retentionDays} days)`, diffs, async (c) => {
      const { logs } = c.ports;
      await Promise.all([
        ...toCreate.map(async (kind) => {
          const name = logGroupName(c, kind);
          if (!(await logs.createLogGroup(name, want.tags))) {
            // Lambda creates the group itself if the function ran in between: take it over.
            await logs.tagResource(name, `arn:${c.partition}:logs:${c.region}:${c.accountId}:log-group:${name}`, want.tags);
          }
        }),
        ...toTag.map((kind) => logs.tagResource(logGroupName(c, kind), actual[kind]!.arn, want.tags)),
      ]);
      record(
        c,
        FUNCTION_KINDS.map((k) => logGroupName(c, k)),
      );
    });
    const retain = [...toCreate, ...toRetain];
    if (retain.length === 0) return change;
    // The functions need their groups to exist (or Lambda makes its own, which never expires), not
    // their retention: they start once the groups are created (function step's startsAfterApply),
    // while the retention is set. A run stopped in between leaves groups that the next read finds
    // without it, and that plan sets it.
    return {
      ...change,
      settle: async (c) => {
        await Promise.all(retain.map((kind) => c.ports.logs.putRetentionPolicy(logGroupName(c, kind), want.retentionDays)));
      },
    };
  },

  destroy: (ctx, observed) =>
    destroyOwned(
      observed,
      async (actual) => {
        const kinds = FUNCTION_KINDS.filter((k) => actual[k]);
        await Promise.all(kinds.map((kind) => ctx.ports.logs.deleteLogGroup(logGroupName(ctx, kind))));
        record(ctx, undefined);
        return { action: 'deleted', summary: `deleted ${kinds.length} log group(s)` };
      },
      { forget: () => record(ctx, undefined) },
    ),
};
