import type { RealismRule } from './types.js';

/**
 * A new table is CREATING, and an updated one UPDATING, for a while; moto is ACTIVE at once.
 * Meanwhile DeleteTable ("If the table is in the CREATING or UPDATING states, then DynamoDB
 * returns a ResourceInUseException"), UpdateTable and UpdateTimeToLive are refused.
 * "A while" is the next `reads` DescribeTable answers (counted, not timed).
 *
 * UpdateTimeToLive also refuses to enable TTL on one attribute while it is on for another
 * ("TimeToLive is active on a different AttributeName"); moto silently moves it. The rule learns
 * each table's TTL from the DescribeTimeToLive answers that pass through.
 */
export function dynamodbTableStatusRule(reads = 2): RealismRule {
  const busy = new Map<string, { status: 'CREATING' | 'UPDATING'; left: number }>();
  const ttl = new Map<string, string>();
  return {
    id: 'dynamodb-table-status',
    sources: [
      'https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DeleteTable.html',
      'https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTimeToLive.html',
      'https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TableDescription.html#DDB-Type-TableDescription-TableStatus',
    ],
    request(call) {
      if (call.service !== 'dynamodb' || !call.json?.TableName) return undefined;
      const name = call.json.TableName as string;
      const state = busy.get(name);
      if (state && state.left > 0 && ['DeleteTable', 'UpdateTable', 'UpdateTimeToLive'].includes(call.action)) {
        const what = state.status === 'CREATING' ? 'being created' : 'being updated';
        return {
          error: {
            status: 400,
            type: 'ResourceInUseException',
            message: `Attempt to change a resource which is still in use: Table is ${what}: ${name}`,
          },
        };
      }
      if (call.action === 'UpdateTimeToLive') {
        const spec = call.json.TimeToLiveSpecification ?? {};
        const current = ttl.get(name);
        if (spec.Enabled && current && current !== spec.AttributeName) {
          return {
            error: {
              status: 400,
              type: 'ValidationException',
              message: `TimeToLive is active on a different AttributeName: current AttributeName is ${current}`,
            },
          };
        }
      }
      return undefined;
    },
    response(call, body) {
      if (call.service !== 'dynamodb' || !call.json?.TableName) return undefined;
      const name = call.json.TableName as string;
      if (call.action === 'CreateTable') busy.set(name, { status: 'CREATING', left: reads });
      if (call.action === 'UpdateTable') busy.set(name, { status: 'UPDATING', left: reads });
      if (call.action === 'DeleteTable') {
        busy.delete(name);
        ttl.delete(name);
        return undefined;
      }
      if (call.action === 'DescribeTimeToLive') {
        const d = body.TimeToLiveDescription ?? {};
        if ((d.TimeToLiveStatus === 'ENABLED' || d.TimeToLiveStatus === 'ENABLING') && d.AttributeName) ttl.set(name, d.AttributeName);
        else ttl.delete(name);
      }
      if (call.action === 'UpdateTimeToLive' && call.json.TimeToLiveSpecification?.Enabled)
        ttl.set(name, call.json.TimeToLiveSpecification.AttributeName);
      const state = busy.get(name);
      const table = body.TableDescription ?? body.Table;
      if (!state || state.left <= 0 || !table) return undefined;
      table.TableStatus = state.status;
      if (call.action === 'DescribeTable') state.left -= 1;
      return body;
    },
    reset() {
      busy.clear();
      ttl.clear();
    },
  };
}
