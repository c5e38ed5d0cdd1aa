import type { RecordedCall } from './aws-proxy.js';

export interface Statement {
  Sid: string;
  Effect: string;
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: string;
  Statement: Statement[];
}

/** SDK signing names that differ from the IAM service prefix. */
const SIGNING_TO_IAM: Record<string, string> = { monitoring: 'cloudwatch', email: 'ses' };

/** REST routes the recording proxy does not name (it knows Lambda's). */
const REST_ROUTES: Array<[RegExp, string]> = [[/^GET \/v2\/email\/account$/, 'GetAccount']];

/** The IAM action a call on the wire needs, e.g. monitoring DescribeAlarms → cloudwatch:DescribeAlarms. */
export function iamAction(call: Pick<RecordedCall, 'service' | 'action'>): string {
  const service = SIGNING_TO_IAM[call.service] ?? call.service;
  const action = REST_ROUTES.find(([pattern]) => pattern.test(call.action))?.[1] ?? call.action;
  return `${service}:${action}`;
}

export function policyActions(policy: PolicyDocument): Set<string> {
  return new Set(policy.Statement.flatMap((s) => s.Action));
}

/** IAM's glob: `*` any run of characters, `?` one. */
export function arnMatches(pattern: string, arn: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return regex.test(arn);
}

/** The statements allowing `action` on `arn` (conditions aside). */
export function statementsAllowing(policy: PolicyDocument, action: string, arn: string): Statement[] {
  return policy.Statement.filter((s) => s.Action.includes(action) && [s.Resource].flat().some((r) => arnMatches(r, arn)));
}
