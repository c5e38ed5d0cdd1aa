import type { TableDescription, TimeToLiveDescription } from '@aws-sdk/client-dynamodb';
import { call, callIgnoringAbsent, callOrAbsent } from '../aws-errors.js';
import { pollDelays, type AwsClients } from '../clients.js';
import { sdk } from '../sdk.js';
import { tagList, tagsFromList, type TagMap } from '../tags.js';

/** The DynamoDB table operations the steps use, with AWS's errors mapped to the user's. */
export interface DynamoDbPort {
  /** Undefined when there is no such table. */
  describeTable(tableName: string): Promise<TableDescription | undefined>;
  describeTimeToLive(tableName: string): Promise<TimeToLiveDescription | undefined>;
  tagsOf(tableName: string, arn: string): Promise<TagMap>;
  /** An on-demand table keyed by one string attribute. */
  createTable(input: { tableName: string; hashKey: string; tags: TagMap }): Promise<void>;
  updateTimeToLive(tableName: string, attributeName: string): Promise<void>;
  tagResource(tableName: string, arn: string | undefined, tags: TagMap): Promise<void>;
  setOnDemand(tableName: string): Promise<void>;
  /** Already deleted is success. */
  deleteTable(tableName: string): Promise<void>;
  /**
   * A table is CREATING or UPDATING for a while after CreateTable/UpdateTable, and meanwhile
   * DynamoDB refuses UpdateTimeToLive, UpdateTable and DeleteTable ("If the table is in the CREATING
   * or UPDATING states, then DynamoDB returns a ResourceInUseException", DeleteTable API reference).
   * Polls DescribeTable until the table is ACTIVE.
   */
  waitUntilActive(tableName: string): Promise<void>;
  waitUntilDeleted(tableName: string): Promise<void>;
}

export function dynamoDbPort(aws: AwsClients): DynamoDbPort {
  const api = () => sdk('@aws-sdk/client-dynamodb');
  return {
    async describeTable(TableName) {
      const db = await aws.dynamodb();
      return (await callOrAbsent('dynamodb:DescribeTable', TableName, () => db.send(new (api().DescribeTableCommand)({ TableName }))))
        ?.Table;
    },
    async describeTimeToLive(TableName) {
      const db = await aws.dynamodb();
      const out = await call('dynamodb:DescribeTimeToLive', TableName, () => db.send(new (api().DescribeTimeToLiveCommand)({ TableName })));
      return out.TimeToLiveDescription;
    },
    async tagsOf(TableName, ResourceArn) {
      const db = await aws.dynamodb();
      const out = await call('dynamodb:ListTagsOfResource', TableName, () =>
        db.send(new (api().ListTagsOfResourceCommand)({ ResourceArn })),
      );
      return tagsFromList(out.Tags);
    },
    async createTable({ tableName: TableName, hashKey, tags }) {
      const db = await aws.dynamodb();
      await call('dynamodb:CreateTable', TableName, () =>
        db.send(
          new (api().CreateTableCommand)({
            TableName,
            AttributeDefinitions: [{ AttributeName: hashKey, AttributeType: 'S' }],
            KeySchema: [{ AttributeName: hashKey, KeyType: 'HASH' }],
            BillingMode: 'PAY_PER_REQUEST',
            Tags: tagList(tags),
          }),
        ),
      );
    },
    async updateTimeToLive(TableName, AttributeName) {
      const db = await aws.dynamodb();
      await call('dynamodb:UpdateTimeToLive', TableName, () =>
        db.send(new (api().UpdateTimeToLiveCommand)({ TableName, TimeToLiveSpecification: { AttributeName, Enabled: true } })),
      );
    },
    async tagResource(TableName, ResourceArn, tags) {
      const db = await aws.dynamodb();
      await call('dynamodb:TagResource', TableName, () => db.send(new (api().TagResourceCommand)({ ResourceArn, Tags: tagList(tags) })));
    },
    async setOnDemand(TableName) {
      const db = await aws.dynamodb();
      await call('dynamodb:UpdateTable', TableName, () =>
        db.send(new (api().UpdateTableCommand)({ TableName, BillingMode: 'PAY_PER_REQUEST' })),
      );
    },
    async deleteTable(TableName) {
      const db = await aws.dynamodb();
      await callIgnoringAbsent('dynamodb:DeleteTable', TableName, () => db.send(new (api().DeleteTableCommand)({ TableName })));
    },
    async waitUntilActive(TableName) {
      const db = await aws.dynamodb();
      await call('dynamodb:DescribeTable', TableName, () =>
        api().waitUntilTableExists({ client: db, maxWaitTime: 300, ...pollDelays(aws.settings) }, { TableName }),
      );
    },
    async waitUntilDeleted(TableName) {
      const db = await aws.dynamodb();
      await call('dynamodb:DescribeTable', TableName, () =>
        api().waitUntilTableNotExists({ client: db, maxWaitTime: 300, ...pollDelays(aws.settings) }, { TableName }),
      );
    },
  };
}
