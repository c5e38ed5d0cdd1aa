import { lengthViolation, type RealismCall, type RealismRule, type RealismVerdict } from './types.js';

interface Limit {
  service: string;
  action: string;
  /** The member as AWS names it in the error. */
  member: string;
  value(call: RealismCall): string | undefined;
  min?: number;
  max: number;
  pattern?: RegExp;
  error: string;
  source: string;
}

/** moto accepts names of any length; AWS enforces these limits (each from the API reference). */
const LIMITS: Limit[] = [
  {
    service: 'iam',
    action: 'CreateRole',
    member: 'roleName',
    value: (c) => c.form.get('RoleName') ?? undefined,
    min: 1,
    max: 64,
    pattern: /^[\w+=,.@-]+$/,
    error: 'ValidationError',
    source: 'https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html',
  },
  {
    service: 'lambda',
    action: 'CreateFunction',
    member: 'functionName',
    value: (c) => c.json?.FunctionName,
    min: 1,
    max: 64,
    pattern: /^[a-zA-Z0-9-_]+$/,
    error: 'ValidationException',
    source: 'https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html#lambda-CreateFunction-request-FunctionName',
  },
  {
    service: 'cognito-idp',
    action: 'CreateUserPool',
    member: 'poolName',
    value: (c) => c.json?.PoolName,
    min: 1,
    max: 128,
    pattern: /^[\w\s+=,.@-]+$/,
    error: 'InvalidParameterException',
    source:
      'https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPool.html#CognitoUserPools-CreateUserPool-request-PoolName',
  },
  {
    service: 'cognito-idp',
    action: 'CreateUserPoolClient',
    member: 'clientName',
    value: (c) => c.json?.ClientName,
    min: 1,
    max: 128,
    pattern: /^[\w\s+=,.@-]+$/,
    error: 'InvalidParameterException',
    source:
      'https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPoolClient.html#CognitoUserPools-CreateUserPoolClient-request-ClientName',
  },
  {
    service: 'dynamodb',
    action: 'CreateTable',
    member: 'tableName',
    value: (c) => c.json?.TableName,
    min: 3,
    max: 255,
    pattern: /^[a-zA-Z0-9_.-]+$/,
    error: 'ValidationException',
    source: 'https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html#DDB-CreateTable-request-TableName',
  },
  {
    service: 'logs',
    action: 'CreateLogGroup',
    member: 'logGroupName',
    value: (c) => c.json?.logGroupName,
    min: 1,
    max: 512,
    pattern: /^[.\-_/#A-Za-z0-9]+$/,
    error: 'InvalidParameterException',
    source: 'https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html',
  },
  {
    service: 'monitoring',
    action: 'PutMetricAlarm',
    member: 'alarmName',
    value: (c) => c.json?.AlarmName,
    min: 1,
    max: 255,
    error: 'ValidationError',
    source: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html',
  },
  {
    service: 'sns',
    action: 'CreateTopic',
    member: 'name',
    value: (c) => c.form.get('Name') ?? undefined,
    min: 1,
    max: 256,
    pattern: /^[\w-]+(\.fifo)?$/,
    error: 'InvalidParameter',
    source: 'https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html',
  },
];

export function nameLimitsRule(): RealismRule {
  return {
    id: 'name-limits',
    sources: LIMITS.map((l) => l.source),
    request(call): RealismVerdict {
      const limit = LIMITS.find((l) => l.service === call.service && l.action === call.action);
      const value = limit?.value(call);
      if (!limit || value === undefined) return undefined;
      let message: string | undefined;
      if (value.length > limit.max) message = lengthViolation(value, limit.member, 'less', limit.max);
      else if (value.length < (limit.min ?? 1)) message = lengthViolation(value, limit.member, 'greater', limit.min ?? 1);
      else if (limit.pattern && !limit.pattern.test(value))
        message = `1 validation error detected: Value '${value}' at '${limit.member}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${limit.pattern.source}`;
      return message ? { error: { status: 400, type: limit.error, message } } : undefined;
    },
    reset() {},
  };
}
