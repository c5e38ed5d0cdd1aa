import { resourceNames } from './resource-names.js';
import type { Config } from './schema.js';

/**
 * AWS's rules for the names otp-setup derives from the config. The schema bounds each field on
 * its own; only the combination (name + suffix + stage, or a names.* override) shows whether a
 * name fits, and AWS would refuse it half-way through `up`. Lengths and patterns are the API
 * references' (the same values are in the service models, e.g. botocore's cognito-idp
 * UserPoolNameType {min 1, max 128, pattern [\w\s+=,.@-]+}).
 */
interface NameRule {
  what: string;
  min: number;
  max: number;
  pattern?: RegExp;
  allowed?: string;
}

const RULES = {
  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html (RoleName: 1-64, [\w+=,.@-]+)
  role: { what: 'IAM role name', min: 1, max: 64, pattern: /^[\w+=,.@-]+$/, allowed: 'letters, digits and _+=,.@-' },
  // https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html ("If you specify only the function name, it is limited to 64 characters")
  function: { what: 'Lambda function name', min: 1, max: 64, pattern: /^[A-Za-z0-9_-]+$/, allowed: 'letters, digits, - and _' },
  // https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html (1-512, [\.\-_/#A-Za-z0-9]+)
  logGroup: { what: 'CloudWatch log group name', min: 1, max: 512, pattern: /^[.\-_/#A-Za-z0-9]+$/, allowed: 'letters, digits and ._-/#' },
  // https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPool.html (PoolName: 1-128, [\w\s+=,.@-]+)
  userPool: {
    what: 'Cognito user pool name',
    min: 1,
    max: 128,
    pattern: /^[\w\s+=,.@-]+$/,
    allowed: 'letters, digits, spaces and _+=,.@-',
  },
  // https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPoolClient.html (ClientName: 1-128, [\w\s+=,.@-]+)
  client: { what: 'Cognito app client name', min: 1, max: 128, pattern: /^[\w\s+=,.@-]+$/, allowed: 'letters, digits, spaces and _+=,.@-' },
  // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html (tables: 3-255, [a-zA-Z0-9_.-]+)
  table: { what: 'DynamoDB table name', min: 3, max: 255, pattern: /^[A-Za-z0-9_.-]+$/, allowed: 'letters, digits and _.-' },
  // https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html (AlarmName: 1-255)
  alarm: { what: 'CloudWatch alarm name', min: 1, max: 255 },
  // https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html ("Topic names must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.")
  topic: { what: 'SNS topic name', min: 1, max: 256, pattern: /^[A-Za-z0-9_-]+$/, allowed: 'letters, digits, - and _' },
} satisfies Record<string, NameRule>;

export interface NameProblem {
  /** The config fields the name is built from, e.g. ['name', 'stage'] or ['names.role']. */
  fields: string[];
  resource: string;
  name: string;
  length: number;
  max: number;
  message: string;
}

export interface NameCheckOptions {
  /** The stage came from --stage rather than the file: say so in the message. */
  stageFromFlag?: boolean;
}

/** Every name `up` would send to AWS that AWS would refuse; empty when all fit. */
export function nameProblems(config: Config, options: NameCheckOptions = {}): NameProblem[] {
  const names = resourceNames(config);
  const base = ['name', ...(config.stage !== undefined ? [options.stageFromFlag ? 'stage (--stage)' : 'stage'] : [])];
  const from = (override: string | undefined, field: string) => (override !== undefined ? [field] : base);
  const functions = Object.values(names.functions);
  // Mirrors the steps: log groups /aws/lambda/<function> (log-groups-step.ts), alarms
  // <function>-errors|throttles (alarms-step.ts), the topic <stack>-alarms when otp-setup creates one.
  const candidates: Array<{ rule: NameRule; fields: string[]; values: string[] }> = [
    { rule: RULES.role, fields: from(config.names.role, 'names.role'), values: [names.role] },
    { rule: RULES.function, fields: base, values: functions },
    { rule: RULES.logGroup, fields: base, values: functions.map((f) => `/aws/lambda/${f}`) },
    { rule: RULES.userPool, fields: from(config.names.userPool, 'names.userPool'), values: [names.userPool] },
    { rule: RULES.client, fields: from(config.names.client, 'names.client'), values: [names.client] },
  ];
  if (config.rateLimit.enabled)
    candidates.push({
      rule: RULES.table,
      fields: from(config.names.rateLimitTable, 'names.rateLimitTable'),
      values: [names.rateLimitTable],
    });
  if (config.monitoring.alarms.enabled) {
    candidates.push({ rule: RULES.alarm, fields: base, values: functions.flatMap((f) => [`${f}-errors`, `${f}-throttles`]) });
    if (config.monitoring.alarms.email) candidates.push({ rule: RULES.topic, fields: base, values: [`${names.stackId}-alarms`] });
  }
  const problems: NameProblem[] = [];
  for (const { rule, fields, values } of candidates) {
    // One line per kind of resource: the longest offender stands for the rest (they share the suffix).
    const bad = values.filter((v) => v.length > rule.max || v.length < rule.min || (rule.pattern !== undefined && !rule.pattern.test(v)));
    const worst = bad.sort((a, b) => b.length - a.length)[0];
    if (worst === undefined) continue;
    problems.push({
      fields,
      resource: rule.what,
      name: worst,
      length: worst.length,
      max: rule.max,
      message: describe(rule, fields, worst, bad.length - 1),
    });
  }
  return problems;
}

function describe(rule: NameRule, fields: string[], name: string, others: number): string {
  const where = fields.join(' + ');
  const more = others > 0 ? ` (and ${others} more like it)` : '';
  if (name.length > rule.max) {
    const over = name.length - rule.max;
    const fix = fields[0]?.startsWith('names.')
      ? `shorten ${fields[0]}`
      : `shorten ${fields.map((f) => f.replace(' (--stage)', '')).join(' or ')} by ${over} character${over === 1 ? '' : 's'} in total`;
    return `${where}: the ${rule.what} "${name}"${more} is ${name.length} characters; AWS allows at most ${rule.max}. ${capitalize(fix)}.`;
  }
  if (name.length < rule.min) return `${where}: the ${rule.what} "${name}" is ${name.length} characters; AWS needs at least ${rule.min}.`;
  return `${where}: the ${rule.what} "${name}"${more} may contain only ${rule.allowed ?? 'the characters AWS allows'}.`;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
