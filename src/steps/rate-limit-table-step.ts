import type { TableDescription } from '@aws-sdk/client-dynamodb';
import { call, callIgnoringAbsent, callOrAbsent } from '../aws/aws-errors.js';
import { grant } from '../core/permissions.js';
import { diffFields, noop, update, type Change, type Step, type StepContext } from '../core/step.js';
import { foreignReason, ownershipTags, tagsFromList } from './ownership.js';
import { sdk } from '../aws/sdk.js';

interface TableActual {
  table: TableDescription;
  ttlAttribute: string | undefined;
  tags: Record<string, string>;
}

const TTL_ATTRIBUTE = 'expiresAt';

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
    const grants = [grant(['dynamodb:DescribeTable', 'dynamodb:DescribeTimeToLive', 'dynamodb:ListTagsOfResource', 'dynamodb:DeleteTable'], table)];
    // CreateTable with Tags also needs dynamodb:TagResource.
    if (scope.config.rateLimit.enabled) grants.push(grant(['dynamodb:CreateTable', 'dynamodb:TagResource', 'dynamodb:UpdateTimeToLive', 'dynamodb:UpdateTable'], table));
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
      foreign: foreignReason(ctx, 'DynamoDB table', TableName, tags),
      actual: { table, tags, ttlAttribute: enabled === 'ENABLED' || enabled === 'ENABLING' ? ttl?.TimeToLiveDescription?.AttributeName : undefined },
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
          const { CreateTableCommand, waitUntilTableExists } = sdk('@aws-sdk/client-dynamodb');
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
          c.progress('waiting for the table to become active');
          await waitUntilTableExists({ client: db, maxWaitTime: 120, minDelay: 1, maxDelay: 5 }, { TableName });
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
          await callIgnoringAbsent('dynamodb:DeleteTable', TableName, () => db.send(new DeleteTableCommand({ TableName })));
          await waitUntilTableNotExists({ client: db, maxWaitTime: 120, minDelay: 1, maxDelay: 5 }, { TableName });
          await rateLimitTableStep.plan(c, { status: 'absent' }).apply?.(c);
        },
      };
    }
    const arn = observed.actual.table.TableArn;
    return update(diffs, async (c) => {
      const db = await c.aws.dynamodb();
      const api = sdk('@aws-sdk/client-dynamodb');
      if (fields.has('Tags')) {
        await call('dynamodb:TagResource', TableName, () => db.send(new api.TagResourceCommand({ ResourceArn: arn, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) })));
      }
      if (fields.has('BillingMode')) {
        await call('dynamodb:UpdateTable', TableName, () => db.send(new api.UpdateTableCommand({ TableName, BillingMode: 'PAY_PER_REQUEST' })));
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
    await callIgnoringAbsent('dynamodb:DeleteTable', ctx.names.rateLimitTable, () => db.send(new DeleteTableCommand({ TableName: ctx.names.rateLimitTable })));
    return { action: 'deleted', summary: `deleted ${ctx.names.rateLimitTable}` };
  },
};
