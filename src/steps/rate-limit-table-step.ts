import type { TableDescription } from '@aws-sdk/client-dynamodb';
import { call, callIgnoringAbsent, callOrAbsent } from '../aws/aws-errors.js';
import { grant } from '../core/permissions.js';
import { pollDelays } from '../aws/clients.js';
import { OtpError } from '../core/errors.js';
import { diffFields, noop, update, type Change, type Step, type StepContext } from '../core/step.js';
import { foreignReason, ownershipTags, tagsFromList } from './ownership.js';
import { sdk } from '../aws/sdk.js';

interface TableActual {
  table: TableDescription;
  ttlAttribute: string | undefined;
  tags: Record<string, string>;
}

const TTL_ATTRIBUTE = 'expiresAt';

/**
 * A table is CREATING or UPDATING for a while after CreateTable/UpdateTable, and meanwhile
 * DynamoDB refuses UpdateTimeToLive, UpdateTable and DeleteTable ("If the table is in the CREATING
 * or UPDATING states, then DynamoDB returns a ResourceInUseException", DeleteTable API reference).
 * The SDK's TableExists waiter polls DescribeTable until the table is ACTIVE.
 */
async function waitUntilActive(ctx: StepContext, TableName: string): Promise<void> {
  const db = await ctx.aws.dynamodb();
  const { waitUntilTableExists } = sdk('@aws-sdk/client-dynamodb');
  ctx.progress('waiting for the table to become active');
  await call('dynamodb:DescribeTable', TableName, () =>
    waitUntilTableExists({ client: db, maxWaitTime: 300, ...pollDelays(ctx.aws.settings) }, { TableName }),
  );
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
export const rateLimitTableStep: Step<TableActual> = {
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
    const db = await ctx.aws.dynamodb();
    const api = sdk('@aws-sdk/client-dynamodb');
    const TableName = ctx.names.rateLimitTable;
    const describing = callOrAbsent('dynamodb:DescribeTable', TableName, () => db.send(new api.DescribeTableCommand({ TableName })));
    const details = (ResourceArn: string) =>
      Promise.all([
        call('dynamodb:DescribeTimeToLive', TableName, () => db.send(new api.DescribeTimeToLiveCommand({ TableName }))),
        call('dynamodb:ListTagsOfResource', TableName, () => db.send(new api.ListTagsOfResourceCommand({ ResourceArn }))),
      ]);
    // A table this stack recorded is almost surely there: ask for its TTL and tags in the same
    // round trip as DescribeTable (the ARN is known from the name), not one round trip later.
    const early = ctx.state.steps['rate-limit-table'] !== undefined ? details(rateLimitTableArn(ctx)) : undefined;
    early?.catch(() => undefined); // awaited below unless the table turns out absent
    const table = (await describing)?.Table;
    if (!table?.TableArn) return { status: 'absent' };
    const [ttl, tagged] = await (early && table.TableArn === rateLimitTableArn(ctx) ? early : details(table.TableArn));
    const tags = tagsFromList(tagged.Tags);
    const enabled = ttl?.TimeToLiveDescription?.TimeToLiveStatus;
    return {
      status: 'present',
      // The state file never held the table's ARN; a recorded run of this step is the proof.
      foreign: foreignReason(ctx, 'DynamoDB table', TableName, tags, ctx.state.steps['rate-limit-table'] !== undefined),
      actual: {
        table,
        tags,
        ttlAttribute: enabled === 'ENABLED' || enabled === 'ENABLING' ? ttl?.TimeToLiveDescription?.AttributeName : undefined,
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
    const enableTtl = async (c: StepContext): Promise<void> => {
      const db = await c.aws.dynamodb();
      const { UpdateTimeToLiveCommand } = sdk('@aws-sdk/client-dynamodb');
      await call('dynamodb:UpdateTimeToLive', TableName, () =>
        db.send(new UpdateTimeToLiveCommand({ TableName, TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true } })),
      );
    };
    if (observed.status === 'absent') {
      return {
        kind: 'create',
        summary: `create ${TableName} (on-demand, TTL on ${TTL_ATTRIBUTE})`,
        diffs: [],
        notes: [],
        apply: async (c) => {
          const db = await c.aws.dynamodb();
          const { CreateTableCommand } = sdk('@aws-sdk/client-dynamodb');
          await call('dynamodb:CreateTable', TableName, () =>
            db.send(
              new CreateTableCommand({
                TableName,
                AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
                KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
                BillingMode: 'PAY_PER_REQUEST',
                Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
              }),
            ),
          );
          // TTL can only be switched on once the table is ACTIVE.
          await waitUntilActive(c, TableName);
          await enableTtl(c);
        },
      };
    }
    const diffs = diffFields(observedFields(observed.actual, tags), want);
    if (diffs.length === 0) return noop('unchanged');
    const fields = new Set(diffs.map((d) => d.field));
    if (fields.has('Key')) {
      // It only holds short-lived counters, so replacing it loses nothing that matters.
      return {
        kind: 'replace',
        summary: `replace ${TableName}: its key schema is not the limiter's`,
        diffs,
        notes: [],
        apply: async (c) => {
          const db = await c.aws.dynamodb();
          const { DeleteTableCommand, waitUntilTableNotExists } = sdk('@aws-sdk/client-dynamodb');
          if (observed.actual.table.TableStatus !== 'ACTIVE') await waitUntilActive(c, TableName);
          await callIgnoringAbsent('dynamodb:DeleteTable', TableName, () => db.send(new DeleteTableCommand({ TableName })));
          await waitUntilTableNotExists({ client: db, maxWaitTime: 300, ...pollDelays(c.aws.settings) }, { TableName });
          await rateLimitTableStep.plan(c, { status: 'absent' }).apply?.(c);
        },
      };
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
      const db = await c.aws.dynamodb();
      const api = sdk('@aws-sdk/client-dynamodb');
      if (fields.has('Tags')) {
        await call('dynamodb:TagResource', TableName, () =>
          db.send(new api.TagResourceCommand({ ResourceArn: arn, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) })),
        );
      }
      if (observed.actual.table.TableStatus !== 'ACTIVE' && (fields.has('BillingMode') || fields.has('TimeToLive')))
        await waitUntilActive(c, TableName);
      if (fields.has('BillingMode')) {
        await call('dynamodb:UpdateTable', TableName, () =>
          db.send(new api.UpdateTableCommand({ TableName, BillingMode: 'PAY_PER_REQUEST' })),
        );
        // The table is UPDATING now; UpdateTimeToLive would be refused.
        if (fields.has('TimeToLive')) await waitUntilActive(c, TableName);
      }
      if (fields.has('TimeToLive')) await enableTtl(c);
    });
  },

  async destroy(ctx) {
    const observed = await rateLimitTableStep.read(ctx);
    if (observed.status === 'absent') return { action: 'absent', summary: 'already gone' };
    if (observed.foreign) return { action: 'kept', summary: `kept: ${observed.foreign}` };
    const db = await ctx.aws.dynamodb();
    const { DeleteTableCommand } = sdk('@aws-sdk/client-dynamodb');
    // A table still CREATING (an `up` stopped right after CreateTable) or UPDATING cannot be deleted yet.
    if (observed.actual.table.TableStatus !== 'ACTIVE') await waitUntilActive(ctx, ctx.names.rateLimitTable);
    await callIgnoringAbsent('dynamodb:DeleteTable', ctx.names.rateLimitTable, () =>
      db.send(new DeleteTableCommand({ TableName: ctx.names.rateLimitTable })),
    );
    return { action: 'deleted', summary: `deleted ${ctx.names.rateLimitTable}` };
  },
};
