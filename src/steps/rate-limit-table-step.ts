import type { TableDescription } from '@aws-sdk/client-dynamodb';
import { grant } from '../core/permissions.js';
import { OtpError } from '../core/errors.js';
import { create, destroyOwned, diffFields, noop, replace, update, type Change, type Step, type StepContext } from '../core/step.js';
import { foreignReason, ownershipTags } from './ownership.js';

interface TableActual {
  table: TableDescription;
  ttlAttribute: string | undefined;
  tags: Record<string, string>;
}

const TTL_ATTRIBUTE = 'expiresAt';

/** A table CREATING or UPDATING refuses changes and deletion until it is ACTIVE. */
async function waitUntilActive(ctx: StepContext, TableName: string): Promise<void> {
  ctx.progress('waiting for the table to become active');
  await ctx.ports.dynamodb.waitUntilActive(TableName);
}

/** Our TTL attribute is only switched on when none is on: DynamoDB keeps one TTL attribute per table. */
function otherTtlAttribute(actual: TableActual): string | undefined {
  return actual.ttlAttribute && actual.ttlAttribute !== TTL_ATTRIBUTE ? actual.ttlAttribute : undefined;
}

export function rateLimitTableArn(ctx: Pick<StepContext, 'partition' | 'region' | 'accountId' | 'names'>): string {
  return `arn:${ctx.partition}:dynamodb:${ctx.region}:${ctx.accountId}:table/${ctx.names.rateLimitTable}`;
}

function observedFields(actual: TableActual, wantTags: Record<string, string>): Record<string, unknown> {
  return {
    Key: actual.table.KeySchema?.map((k) => `${k.AttributeName}:${k.KeyType}`).join(','),
    BillingMode: actual.table.BillingModeSummary?.BillingMode ?? 'PROVISIONED',
    TimeToLive: actual.ttlAttribute,
    Tags: Object.fromEntries(Object.keys(wantTags).map((k) => [k, actual.tags[k]])),
  };
}

/**
 * The rate limiter's table: on-demand (no capacity to plan, cost only per request) with a TTL
 * attribute so counters disappear by themselves.
 */
export const rateLimitTableStep: Step<TableActual, 'rate-limit-table'> = {
  id: 'rate-limit-table',
  title: 'Rate-limit table',
  dependsOn: [],

  permissions(scope) {
    const table = [rateLimitTableArn(scope)];
    // Read and delete even when the limiter is off: up and teardown still find and remove an earlier table.
    const grants = [
      grant(['dynamodb:DescribeTable', 'dynamodb:DescribeTimeToLive', 'dynamodb:ListTagsOfResource', 'dynamodb:DeleteTable'], table),
    ];
    // CreateTable with Tags also needs dynamodb:TagResource.
    if (scope.config.rateLimit.enabled)
      grants.push(grant(['dynamodb:CreateTable', 'dynamodb:TagResource', 'dynamodb:UpdateTimeToLive', 'dynamodb:UpdateTable'], table));
    return grants;
  },

  async read(ctx) {
    const { dynamodb } = ctx.ports;
    const TableName = ctx.names.rateLimitTable;
    const describing = dynamodb.describeTable(TableName);
    const details = (arn: string) => Promise.all([dynamodb.describeTimeToLive(TableName), dynamodb.tagsOf(TableName, arn)]);
    // A table this stack recorded is almost surely there: ask for its TTL and tags in the same
    // round trip as DescribeTable (the ARN is known from the name), not one round trip later.
    const early = ctx.state.steps['rate-limit-table'] !== undefined ? details(rateLimitTableArn(ctx)) : undefined;
    early?.catch(() => undefined); // awaited below unless the table turns out absent
    const table = await describing;
    if (!table?.TableArn) return { status: 'absent' };
    const [ttl, tags] = await (early && table.TableArn === rateLimitTableArn(ctx) ? early : details(table.TableArn));
    const enabled = ttl?.TimeToLiveStatus;
    return {
      status: 'present',
      // The state file never held the table's ARN; a recorded run of this step is the proof.
      foreign: foreignReason(ctx, 'DynamoDB table', TableName, tags, ctx.state.steps['rate-limit-table'] !== undefined),
      actual: {
        table,
        tags,
        ttlAttribute: enabled === 'ENABLED' || enabled === 'ENABLING' ? ttl?.AttributeName : undefined,
      },
    };
  },

  plan(ctx, observed): Change {
    if (!ctx.config.rateLimit.enabled) {
      return noop(observed.status === 'absent' ? 'disabled (rateLimit.enabled is false)' : 'disabled; the table is kept until teardown');
    }
    const TableName = ctx.names.rateLimitTable;
    const tags = ownershipTags(ctx);
    const want = { Key: 'pk:HASH', BillingMode: 'PAY_PER_REQUEST', TimeToLive: TTL_ATTRIBUTE, Tags: tags };
    const enableTtl = (c: StepContext) => c.ports.dynamodb.updateTimeToLive(TableName, TTL_ATTRIBUTE);
    if (observed.status === 'absent') {
      return create(`create ${TableName} (on-demand, TTL on ${TTL_ATTRIBUTE})`, async (c) => {
        await c.ports.dynamodb.createTable({ tableName: TableName, hashKey: 'pk', tags });
        // TTL can only be switched on once the table is ACTIVE.
        await waitUntilActive(c, TableName);
        await enableTtl(c);
      });
    }
    const diffs = diffFields(observedFields(observed.actual, tags), want);
    if (diffs.length === 0) return noop('unchanged');
    const fields = new Set(diffs.map((d) => d.field));
    if (fields.has('Key')) {
      // It only holds short-lived counters, so replacing it loses nothing that matters.
      return replace(`replace ${TableName}: its key schema is not the limiter's`, diffs, async (c) => {
        if (observed.actual.table.TableStatus !== 'ACTIVE') await waitUntilActive(c, TableName);
        await c.ports.dynamodb.deleteTable(TableName);
        await c.ports.dynamodb.waitUntilDeleted(TableName);
        await rateLimitTableStep.plan(c, { status: 'absent' }).apply?.(c);
      });
    }
    const arn = observed.actual.table.TableArn;
    const otherTtl = otherTtlAttribute(observed.actual);
    return update(diffs, async (c) => {
      if (fields.has('TimeToLive') && otherTtl) {
        // UpdateTimeToLive refuses a second attribute ("TimeToLive is active on a different
        // AttributeName"), and after the old one is turned off it refuses any change for up to an
        // hour (UpdateTimeToLive API reference): nothing this run can do, so say so before writing.
        throw new OtpError(
          'TABLE_TTL_IN_USE',
          `The table ${TableName} expires items by "${otherTtl}", but the rate limiter needs "${TTL_ATTRIBUTE}"; DynamoDB allows one TTL attribute per table.`,
          {
            resolution: `Turn TTL off on "${otherTtl}" ("aws dynamodb update-time-to-live --table-name ${TableName} --time-to-live-specification Enabled=false,AttributeName=${otherTtl}"), wait an hour (DynamoDB refuses TTL changes meanwhile), then run the command again. If the table is not the rate limiter's, give this stack another name instead.`,
          },
        );
      }
      if (fields.has('Tags')) await c.ports.dynamodb.tagResource(TableName, arn, tags);
      if (observed.actual.table.TableStatus !== 'ACTIVE' && (fields.has('BillingMode') || fields.has('TimeToLive')))
        await waitUntilActive(c, TableName);
      if (fields.has('BillingMode')) {
        await c.ports.dynamodb.setOnDemand(TableName);
        // The table is UPDATING now; UpdateTimeToLive would be refused.
        if (fields.has('TimeToLive')) await waitUntilActive(c, TableName);
      }
      if (fields.has('TimeToLive')) await enableTtl(c);
    });
  },

  destroy: (ctx, observed) =>
    destroyOwned(observed, async (actual) => {
      const TableName = ctx.names.rateLimitTable;
      // A table still CREATING (an `up` stopped right after CreateTable) or UPDATING cannot be deleted yet.
      if (actual.table.TableStatus !== 'ACTIVE') await waitUntilActive(ctx, TableName);
      await ctx.ports.dynamodb.deleteTable(TableName);
      return { action: 'deleted', summary: `deleted ${TableName}` };
    }),
};
