import prices from './prices.json' with { type: 'json' };

export type CognitoTier = keyof typeof prices.cognito.tiers;
export const COGNITO_TIERS = Object.keys(prices.cognito.tiers) as CognitoTier[];

export interface EstimateInput {
  monthlyActiveUsers: number;
  signInsPerUser: number;
  cognitoTier: CognitoTier;
  /** Lambda memory of each function (config lambda.memoryMb). */
  memoryMb: number;
  /** The rate-limit table is in use (config rateLimit.enabled). */
  rateLimit?: boolean;
  /** Rules in the WAF web ACL on the pool (config protection.waf); absent: no web ACL. */
  wafRules?: number;
}

/**
 * One sign-in runs Define twice (before the challenge and after the answer), Create once, Verify
 * once and PostAuthentication once: 5 invocations, and 1 email. A first sign-in also runs
 * PreSignUp; a mistyped code adds a round, not an email (the code is carried forward).
 */
export const INVOCATIONS_PER_SIGN_IN = 5;
export const EMAILS_PER_SIGN_IN = 1;
/** Average billed duration per invocation: the create function waits for SES, the others are quick. */
export const AVERAGE_DURATION_MS = 100;
/**
 * The rate limiter per sign-in: Create reads the lockout and counts the code in its window, its
 * day and the pool's daily budget; Verify clears the failures in one conditional write (each item
 * well under 1 KB: one unit per request). A wrong code costs Verify a read and a write instead.
 */
export const TABLE_READS_PER_SIGN_IN = 1;
export const TABLE_WRITES_PER_SIGN_IN = 4;
/** Cognito API requests the web ACL inspects per sign-in: InitiateAuth and RespondToAuthChallenge. */
export const WAF_REQUESTS_PER_SIGN_IN = 2;

export interface CostLine {
  service: 'cognito' | 'lambda' | 'ses' | 'dynamodb' | 'waf';
  quantity: number;
  unit: string;
  free: number;
  monthlyUsd: number;
}

export interface CostEstimate {
  input: EstimateInput;
  lines: CostLine[];
  totalUsd: number;
  checked: string;
  sources: string[];
  notes: string[];
}

/** Usage inside a free tier costs nothing, never a negative amount. */
function positive(value: number): number {
  return Math.max(0, value);
}

export function estimateCost(input: EstimateInput): CostEstimate {
  const tier = prices.cognito.tiers[input.cognitoTier];
  const signIns = input.monthlyActiveUsers * input.signInsPerUser;
  const invocations = signIns * INVOCATIONS_PER_SIGN_IN;
  const emails = signIns * EMAILS_PER_SIGN_IN;
  const gbSeconds = invocations * (AVERAGE_DURATION_MS / 1000) * (input.memoryMb / 1024);

  const cognito = positive(input.monthlyActiveUsers - tier.freeMau) * tier.perMau;
  const requests = (positive(invocations - prices.lambda.freeRequests) / 1_000_000) * prices.lambda.perMillionRequests;
  const compute = positive(gbSeconds - prices.lambda.freeGbSeconds) * prices.lambda.perGbSecond;
  const ses = (emails / 1000) * prices.ses.perThousandEmails;
  const tableRequests = input.rateLimit ? signIns * (TABLE_READS_PER_SIGN_IN + TABLE_WRITES_PER_SIGN_IN) : 0;
  const table = input.rateLimit
    ? ((signIns * TABLE_WRITES_PER_SIGN_IN) / 1_000_000) * prices.dynamodb.perMillionWriteRequestUnits +
      ((signIns * TABLE_READS_PER_SIGN_IN) / 1_000_000) * prices.dynamodb.perMillionReadRequestUnits
    : 0;
  const wafRequests = input.wafRules !== undefined ? signIns * WAF_REQUESTS_PER_SIGN_IN : 0;
  const waf =
    input.wafRules !== undefined
      ? prices.waf.perWebAclMonth + input.wafRules * prices.waf.perRuleMonth + (wafRequests / 1_000_000) * prices.waf.perMillionRequests
      : 0;

  const lines: CostLine[] = [
    { service: 'cognito', quantity: input.monthlyActiveUsers, unit: 'MAU', free: tier.freeMau, monthlyUsd: cognito },
    { service: 'lambda', quantity: invocations, unit: 'invocations', free: prices.lambda.freeRequests, monthlyUsd: requests + compute },
    { service: 'ses', quantity: emails, unit: 'emails', free: 0, monthlyUsd: ses },
    ...(input.rateLimit ? [{ service: 'dynamodb' as const, quantity: tableRequests, unit: 'requests', free: 0, monthlyUsd: table }] : []),
    ...(input.wafRules !== undefined
      ? [{ service: 'waf' as const, quantity: wafRequests, unit: 'requests', free: 0, monthlyUsd: waf }]
      : []),
  ];
  const notes = [
    `Cognito ${input.cognitoTier} tier: ${tier.note}`,
    `Assumes ${input.signInsPerUser} sign-in(s) per user a month, ${INVOCATIONS_PER_SIGN_IN} Lambda invocations and ${EMAILS_PER_SIGN_IN} email per sign-in.`,
    prices.ses.freeTierNote,
    ...(input.rateLimit
      ? [`Rate limiting: ${TABLE_READS_PER_SIGN_IN} reads and ${TABLE_WRITES_PER_SIGN_IN} writes per sign-in. ${prices.dynamodb.note}`]
      : []),
    ...(input.wafRules !== undefined
      ? [`WAF web ACL with ${input.wafRules} rules, ${WAF_REQUESTS_PER_SIGN_IN} inspected requests per sign-in. ${prices.waf.note}`]
      : []),
    'The guide\'s "~$0.10 for 1,000 users" is 1,000 emails at $0.10 per 1,000: one sign-in per user a month, Cognito and Lambda inside their free tiers.',
    'Free tiers are per account: other workloads in the same account use them up too. Data transfer, CloudWatch Logs and alarms are extra.',
  ];
  return {
    input,
    lines,
    totalUsd: lines.reduce((sum, l) => sum + l.monthlyUsd, 0),
    checked: prices.checked,
    sources: prices.sources,
    notes,
  };
}

export function formatUsd(value: number): string {
  if (value > 0 && value < 0.01) return '< $0.01';
  return `$${value.toFixed(2)}`;
}

/** Human lines for `plan --mau`; the command prints them. */
export function describeEstimate(e: CostEstimate): string[] {
  const n = (v: number) => v.toLocaleString('en-US');
  return [
    `Cost estimate for ${n(e.input.monthlyActiveUsers)} monthly active users (${e.input.signInsPerUser} sign-in(s) each; prices checked ${e.checked}, ${prices.region}):`,
    ...e.lines.map(
      (l) =>
        `  ${l.service.padEnd(8)} ${`${n(l.quantity)} ${l.unit}`.padEnd(24)} ${l.free > 0 ? `(${n(l.free)} free)`.padEnd(20) : ''.padEnd(20)} ${formatUsd(l.monthlyUsd)}`,
    ),
    `  ${'total'.padEnd(8)} ${''.padEnd(24)} ${''.padEnd(20)} ${formatUsd(e.totalUsd)} a month`,
    ...e.notes.map((note) => `  - ${note}`),
    `  Sources: ${e.sources.join(' ')}`,
  ];
}
