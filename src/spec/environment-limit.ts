import { FUNCTION_KINDS } from '../config/function-kinds.js';
import { handlerEnvironment, newHandlerKey } from './handler-environment.js';
import type { Config } from '../config/schema.js';

/**
 * Lambda allows 4 KB for all of a function's environment variables together ("Function environment
 * variables: 4 KB, for all environment variables associated with the function, in aggregate",
 * https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html). AWS measures the JSON
 * of the Variables map: its refusal reads "…exceeded the 4KB limit. String measured: {"KEY":"value",…}"
 * (https://github.com/github-aws-runners/terraform-aws-github-runner/issues/3594), so that is what
 * is measured here.
 */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;

/** Where each variable's value comes from, for the message. */
const SOURCES: Record<string, string> = {
  ALLOWED_EMAIL_DOMAINS: 'signUp.allowedDomains',
  FROM_EMAIL: 'email.from',
  FROM_NAME: 'email.fromName',
  SES_REGION: 'email.sesRegion',
  RATE_LIMIT_TABLE: 'names.rateLimitTable (or name + stage)',
};

export function environmentBytes(variables: Record<string, string>): number {
  return Buffer.byteLength(JSON.stringify(variables), 'utf8');
}

/** One message per function whose environment would not fit; empty when all fit. */
export function environmentProblems(config: Config): string[] {
  const problems: string[] = [];
  for (const kind of FUNCTION_KINDS) {
    // A fresh secret has the deployed one's size, which counts towards the 4 KB.
    const variables = handlerEnvironment(kind, config, { hmacKey: newHandlerKey() });
    const size = environmentBytes(variables);
    if (size <= LAMBDA_ENVIRONMENT_LIMIT_BYTES) continue;
    const [key, value] = Object.entries(variables).sort((a, b) => b[1].length - a[1].length)[0]!;
    const source = SOURCES[key] ?? key;
    const count = key === 'ALLOWED_EMAIL_DOMAINS' ? ` (${config.signUp.allowedDomains.length} domains)` : '';
    problems.push(
      `${source}: the ${kind} function's environment variables would take ${size} bytes; Lambda allows ${LAMBDA_ENVIRONMENT_LIMIT_BYTES} (4 KB) per function. ` +
        `Most of it is ${key}${count}, ${Buffer.byteLength(value, 'utf8')} bytes: shorten it by at least ${size - LAMBDA_ENVIRONMENT_LIMIT_BYTES} bytes.`,
    );
  }
  return problems;
}
