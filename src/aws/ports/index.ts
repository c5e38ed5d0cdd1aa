import type { AwsClients } from '../clients.js';
import { cloudWatchPort, type CloudWatchPort } from './cloudwatch.js';
import { cognitoPort, type CognitoPort } from './cognito.js';
import { dynamoDbPort, type DynamoDbPort } from './dynamodb.js';
import { iamPort, type IamPort } from './iam.js';
import { lambdaPort, type LambdaPort } from './lambda.js';
import { logsPort, type LogsPort } from './logs.js';
import { sesPort, type SesPort } from './ses.js';
import { snsPort, type SnsPort } from './sns.js';
import { stsPort, type StsPort } from './sts.js';
import { wafv2Port, type WafV2Port } from './wafv2.js';

/**
 * One narrow port per AWS service: only the operations the steps call, each mapping AWS's errors
 * the same way (not found: undefined on reads, success on deletes; access denied naming the IAM
 * action; conflicts and IAM propagation retried where AWS documents them as transient). Built on
 * the lazy clients, so a port costs nothing until its first call.
 */
export interface AwsPorts {
  cloudwatch: CloudWatchPort;
  cognito: CognitoPort;
  dynamodb: DynamoDbPort;
  iam: IamPort;
  lambda: LambdaPort;
  logs: LogsPort;
  ses: SesPort;
  sns: SnsPort;
  sts: StsPort;
  wafv2: WafV2Port;
}

export function createAwsPorts(aws: AwsClients): AwsPorts {
  return {
    cloudwatch: cloudWatchPort(aws),
    cognito: cognitoPort(aws),
    dynamodb: dynamoDbPort(aws),
    iam: iamPort(aws),
    lambda: lambdaPort(aws),
    logs: logsPort(aws),
    ses: sesPort(aws),
    sns: snsPort(aws),
    sts: stsPort(aws),
    wafv2: wafv2Port(aws),
  };
}
