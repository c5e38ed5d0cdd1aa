import { describe, expect, it } from 'vitest';
import { dynamoOperation, type Tables } from '../../../src/sandbox/dynamodb-lite.js';

const counter = (max: number) => ({
  TableName: 'limits',
  Key: { pk: { S: 'codes#a' } },
  UpdateExpression: 'ADD #count :one SET #expiresAt = :expiresAt',
  ConditionExpression: 'attribute_not_exists(#count) OR #count < :max',
  ExpressionAttributeNames: { '#count': 'count', '#expiresAt': 'expiresAt' },
  ExpressionAttributeValues: { ':one': { N: '1' }, ':max': { N: String(max) }, ':expiresAt': { N: '99' } },
});

describe('the sandbox DynamoDB subset the rate limiter uses', () => {
  it('counts with ADD until the condition stops it, as ConditionalCheckFailedException', () => {
    const tables: Tables = {};
    dynamoOperation(tables, 'UpdateItem', counter(2));
    dynamoOperation(tables, 'UpdateItem', counter(2));
    expect(() => dynamoOperation(tables, 'UpdateItem', counter(2))).toThrow(
      expect.objectContaining({ type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException' }),
    );
    expect(dynamoOperation(tables, 'GetItem', { TableName: 'limits', Key: { pk: { S: 'codes#a' } } })).toEqual({
      Item: { pk: { S: 'codes#a' }, count: { N: '2' }, expiresAt: { N: '99' } },
    });
  });

  it('puts, deletes and evaluates comparisons, AND/OR/NOT and parentheses', () => {
    const tables: Tables = {};
    const key = { pk: { S: 'x' } };
    dynamoOperation(tables, 'PutItem', { TableName: 't', Item: { ...key, n: { N: '5' } } });
    const cond = (expr: string) => () =>
      dynamoOperation(tables, 'UpdateItem', {
        TableName: 't',
        Key: key,
        UpdateExpression: 'SET m = :v',
        ConditionExpression: expr,
        ExpressionAttributeValues: { ':v': { N: '5' }, ':w': { N: '6' } },
      });
    expect(cond('n = :v AND (n < :w OR attribute_not_exists(n))')).not.toThrow();
    expect(cond('NOT (n >= :v)')).toThrow();
    expect(cond('n <> :v')).toThrow();
    dynamoOperation(tables, 'DeleteItem', { TableName: 't', Key: key });
    expect(dynamoOperation(tables, 'GetItem', { TableName: 't', Key: key })).toEqual({});
  });
});
