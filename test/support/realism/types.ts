import type { RecordedCall } from '../aws-proxy.js';

/** An AWS error answer, in the protocol of the call's service (the proxy renders it). */
export interface RealismError {
  status: number;
  type: string;
  message: string;
}

/** What a rule decides about a request before it reaches moto. */
export type RealismVerdict = { error: RealismError } | undefined;

/** One AWS call as a rule sees it: the recorded call plus what the wire carried. */
export interface RealismCall extends RecordedCall {
  method: string;
  /** URL path, decoded (REST services such as Lambda name the resource in it). */
  path: string;
  /** The JSON body, for JSON protocols (Cognito, DynamoDB, Logs, CloudWatch, Lambda). */
  json: Record<string, any> | undefined;
  /** The form body, for query protocols (IAM, SES, SNS, STS). */
  form: URLSearchParams;
}

/**
 * One known difference between moto and AWS. Each rule cites the AWS source that says AWS
 * behaves this way. "A while" is counted in calls, never in wall-clock time, so the suite does not
 * depend on the machine's speed.
 */
export interface RealismRule {
  id: string;
  /** Where AWS documents (or users reported) the behaviour this rule reproduces. */
  sources: string[];
  /** May refuse the call as AWS would (moto never sees it). May wait (e.g. to observe concurrency). */
  request?(call: RealismCall): RealismVerdict | Promise<RealismVerdict>;
  /** May rewrite moto's successful JSON answer to what AWS would return. */
  response?(call: RealismCall, body: Record<string, any>): Record<string, any> | undefined;
  /** Called once moto answered (any status): lets a rule track what is in flight. */
  settled?(call: RealismCall, status: number): void;
  /** Forgets everything counted (between tests). */
  reset(): void;
}

export const validation = (type: string, message: string): { error: RealismError } => ({ error: { status: 400, type, message } });

/** AWS's wording for a length constraint ("1 validation error detected: ..."). */
export function lengthViolation(value: string, member: string, op: 'less' | 'greater', limit: number): string {
  return `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: Member must have length ${op} than or equal to ${limit}`;
}
