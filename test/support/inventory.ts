import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { ListUserPoolClientsCommand, ListUserPoolsCommand } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListRolePoliciesCommand, ListRolesCommand } from '@aws-sdk/client-iam';
import { GetPolicyCommand, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { ListIdentitiesCommand } from '@aws-sdk/client-ses';
import { ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetWebACLForResourceCommand, ListWebACLsCommand, WAFV2Client } from '@aws-sdk/client-wafv2';
import type { StackFixture } from './stack-fixture.js';
import type { StackState } from '../../src/core/state-store.js';

export const FUNCTION_NAMES = [
  'email-otp-create-auth-challenge',
  'email-otp-define-auth-challenge',
  'email-otp-post-authentication',
  'email-otp-pre-sign-up',
  'email-otp-verify-auth-challenge',
];

/** Everything in the emulated account that an otp-setup stack could have left behind. */
export interface Inventory {
  pools: Array<{ id: string; name: string; clients: string[] }>;
  functions: string[];
  /** Statement ids of each function's resource policy (the invoke permission Cognito needs). */
  permissions: Record<string, string[]>;
  roles: string[];
  /** Inline policies of each role. */
  rolePolicies: Record<string, string[]>;
  /** Email addresses and domains (a DKIM domain is a domain identity). */
  sesIdentities: string[];
  tables: string[];
  logGroups: string[];
  alarms: string[];
  topics: string[];
  /** Regional WAF web ACLs, and the name of the one on each pool (`protection.waf`). */
  webAcls: string[];
  poolWebAcls: Record<string, string>;
}

/** The optional parts of a stack a test switched on (config monitoring.alarms.email, email.dkim). */
export interface Features {
  alarms?: boolean;
  dkim?: boolean;
  waf?: boolean;
}

type ExtraClients = {
  dynamodb: DynamoDBClient;
  logs: CloudWatchLogsClient;
  cloudwatch: CloudWatchClient;
  sns: SNSClient;
  wafv2: WAFV2Client;
};
const extraClients = new Map<string, ExtraClients>();

/** Clients for the services the stack fixture has none for, one set per moto server. */
function extra(f: StackFixture): ExtraClients {
  let clients = extraClients.get(f.moto.url);
  if (!clients) {
    const config = { region: 'us-east-1', endpoint: f.moto.url, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
    clients = {
      dynamodb: new DynamoDBClient(config),
      logs: new CloudWatchLogsClient(config),
      cloudwatch: new CloudWatchClient(config),
      sns: new SNSClient(config),
      wafv2: new WAFV2Client(config),
    };
    extraClients.set(f.moto.url, clients);
  }
  return clients;
}

async function functionPolicy(f: StackFixture, name: string): Promise<string[]> {
  try {
    const out = await f.sdk.lambda.send(new GetPolicyCommand({ FunctionName: name }));
    return ((JSON.parse(out.Policy ?? '{}') as { Statement?: Array<{ Sid?: string }> }).Statement ?? []).map((s) => s.Sid ?? '?').sort();
  } catch (err) {
    if ((err as Error).name === 'ResourceNotFoundException') return [];
    throw err;
  }
}

export async function inventory(f: StackFixture): Promise<Inventory> {
  const x = extra(f);
  const pools = (await f.sdk.cognito.send(new ListUserPoolsCommand({ MaxResults: 60 }))).UserPools ?? [];
  const withClients = await Promise.all(
    pools.map(async (p) => {
      const clients =
        (await f.sdk.cognito.send(new ListUserPoolClientsCommand({ UserPoolId: p.Id!, MaxResults: 60 }))).UserPoolClients ?? [];
      return { id: p.Id!, name: p.Name!, clients: clients.map((c) => c.ClientId!) };
    }),
  );
  const functions = ((await f.sdk.lambda.send(new ListFunctionsCommand({}))).Functions ?? []).map((fn) => fn.FunctionName!).sort();
  const permissions: Record<string, string[]> = {};
  for (const name of functions) permissions[name] = await functionPolicy(f, name);
  // moto's account comes with no customer roles; AWS service-linked ones would live under /aws-service-role/.
  const roles = ((await f.sdk.iam.send(new ListRolesCommand({}))).Roles ?? [])
    .filter((r) => !r.Path?.startsWith('/aws-service-role/'))
    .map((r) => r.RoleName!)
    .sort();
  const rolePolicies: Record<string, string[]> = {};
  for (const role of roles)
    rolePolicies[role] = ((await f.sdk.iam.send(new ListRolePoliciesCommand({ RoleName: role }))).PolicyNames ?? []).sort();
  const sesIdentities = ((await f.sdk.ses.send(new ListIdentitiesCommand({}))).Identities ?? []).sort();
  const tables = ((await x.dynamodb.send(new ListTablesCommand({}))).TableNames ?? []).sort();
  const logGroups = ((await x.logs.send(new DescribeLogGroupsCommand({}))).logGroups ?? []).map((g) => g.logGroupName!).sort();
  const alarms = ((await x.cloudwatch.send(new DescribeAlarmsCommand({ MaxRecords: 100 }))).MetricAlarms ?? [])
    .map((a) => a.AlarmName!)
    .sort();
  const topics = ((await x.sns.send(new ListTopicsCommand({}))).Topics ?? []).map((t) => t.TopicArn!).sort();
  const webAcls = ((await x.wafv2.send(new ListWebACLsCommand({ Scope: 'REGIONAL' }))).WebACLs ?? []).map((a) => a.Name!).sort();
  const poolWebAcls: Record<string, string> = {};
  for (const pool of withClients) {
    const arn = `arn:aws:cognito-idp:us-east-1:123456789012:userpool/${pool.id}`;
    const acl = (await x.wafv2.send(new GetWebACLForResourceCommand({ ResourceArn: arn }))).WebACL;
    if (acl?.Name) poolWebAcls[pool.id] = acl.Name;
  }
  return {
    pools: withClients,
    functions,
    permissions,
    roles,
    rolePolicies,
    sesIdentities,
    tables,
    logGroups,
    alarms,
    topics,
    webAcls,
    poolWebAcls,
  };
}

/** The converged default stack (or with `features`), as the inventory lists it: one of each resource. */
export function expectedInventory(features: Features = {}): Omit<Inventory, 'pools' | 'poolWebAcls'> {
  return {
    functions: FUNCTION_NAMES,
    permissions: Object.fromEntries(FUNCTION_NAMES.map((n) => [n, ['otp-setup-cognito-trigger']])),
    roles: ['EmailOTPLambdaExecutionRole'],
    rolePolicies: { EmailOTPLambdaExecutionRole: ['otp-setup-ses-send'] },
    sesIdentities: features.dkim ? ['example.com', 'noreply@example.com'] : ['noreply@example.com'],
    tables: ['email-otp-rate-limits'],
    logGroups: FUNCTION_NAMES.map((n) => `/aws/lambda/${n}`),
    // Errors and throttles per function, and the email-budget alarm (the default budget is on).
    alarms: features.alarms
      ? [...FUNCTION_NAMES.flatMap((n) => [`${n}-errors`, `${n}-throttles`]), 'email-otp-create-auth-challenge-email-budget'].sort()
      : [],
    topics: features.alarms ? ['arn:aws:sns:us-east-1:123456789012:email-otp-alarms'] : [],
    webAcls: features.waf ? ['email-otp-user-pool'] : [],
  };
}

/** The converged stack: exactly one of each resource, nothing else. Returns the differences. */
export function expectExactlyOneOfEach(inv: Inventory, features: Features = {}): string[] {
  const problems: string[] = [];
  if (inv.pools.length !== 1 || inv.pools[0]!.name !== 'email-otp-pool') problems.push(`pools: ${JSON.stringify(inv.pools)}`);
  else if (inv.pools[0]!.clients.length !== 1) problems.push(`clients: ${JSON.stringify(inv.pools[0]!.clients)}`);
  const pool = inv.pools[0]?.id;
  const onPool = features.waf ? { ...(pool ? { [pool]: 'email-otp-user-pool' } : {}) } : {};
  if (JSON.stringify(inv.poolWebAcls) !== JSON.stringify(onPool))
    problems.push(`web ACL on the pool: ${JSON.stringify(inv.poolWebAcls)}, expected ${JSON.stringify(onPool)}`);
  const want = expectedInventory(features);
  for (const key of Object.keys(want) as Array<keyof typeof want>)
    if (JSON.stringify(inv[key]) !== JSON.stringify(want[key]))
      problems.push(`${key}: ${JSON.stringify(inv[key])}, expected ${JSON.stringify(want[key])}`);
  return problems;
}

/** Nothing of any stack is left. Returns what is. */
export function isEmpty(inv: Inventory): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(inv))
    if (Array.isArray(value) ? value.length : Object.keys(value as object).length) problems.push(`${key} left: ${JSON.stringify(value)}`);
  return problems;
}

/** The one state file of a project, parsed; undefined when there is none. */
export async function readState(dir: string): Promise<StackState | undefined> {
  const folder = join(dir, '.otp-setup', 'state');
  const files = (await readdir(folder).catch(() => [] as string[])).filter((n) => n.endsWith('.json'));
  if (files.length === 0) return undefined;
  return JSON.parse(await readFile(join(folder, files[0]!), 'utf8')) as StackState;
}

const nameOf = (arn: string) => arn.split(/[:/]/).pop() ?? arn;
const sorted = (xs: readonly string[] | undefined) => JSON.stringify([...(xs ?? [])].sort());

/**
 * What the state file records against what exists: every id and name it holds names a resource
 * in the inventory, and every resource of the stack is recorded. Returns the differences.
 */
export function stateVersusAws(resources: StackState['resources'], inv: Inventory, features: Features = {}): string[] {
  const problems: string[] = [];
  const check = (what: string, recorded: unknown, actual: unknown) => {
    if (JSON.stringify(recorded) !== JSON.stringify(actual))
      problems.push(`${what}: state ${JSON.stringify(recorded)}, AWS ${JSON.stringify(actual)}`);
  };
  check('user pool', resources.userPoolId, inv.pools[0]?.id);
  check('app client', resources.clientId, inv.pools[0]?.clients[0]);
  check('role', nameOf(resources.roleArn ?? ''), inv.roles[0]);
  check(
    'functions',
    sorted(Object.values((resources.functions ?? {}) as Record<string, { arn: string }>).map((f) => nameOf(f.arn))),
    sorted(inv.functions),
  );
  check(
    'permissions',
    sorted((resources.permissions ?? []).map(nameOf)),
    sorted(
      Object.entries(inv.permissions)
        .filter(([, sids]) => sids.length > 0)
        .map(([name]) => name),
    ),
  );
  check('log groups', sorted(resources.logGroups), sorted(inv.logGroups));
  check(
    'SES identity',
    resources.sesIdentity?.identity,
    inv.sesIdentities.find((i) => i.includes('@')),
  );
  if (features.dkim)
    check(
      'SES domain',
      resources.sesDomain?.identity,
      inv.sesIdentities.find((i) => !i.includes('@')),
    );
  if (features.alarms) {
    check('alarms', sorted(resources.alarms?.names), sorted(inv.alarms));
    check('alarm topic', resources.alarms?.topicArn, inv.topics[0]);
  }
  if (features.waf) check('web ACL', resources.waf?.name, inv.webAcls[0]);
  return problems;
}
