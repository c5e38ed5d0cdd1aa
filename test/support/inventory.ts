import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ListUserPoolClientsCommand, ListUserPoolsCommand } from '@aws-sdk/client-cognito-identity-provider';
import { ListRolesCommand } from '@aws-sdk/client-iam';
import { ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { ListIdentitiesCommand } from '@aws-sdk/client-ses';
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
  roles: string[];
  sesIdentities: string[];
}

export async function inventory(f: StackFixture): Promise<Inventory> {
  const pools = (await f.sdk.cognito.send(new ListUserPoolsCommand({ MaxResults: 60 }))).UserPools ?? [];
  const withClients = await Promise.all(
    pools.map(async (p) => {
      const clients =
        (await f.sdk.cognito.send(new ListUserPoolClientsCommand({ UserPoolId: p.Id!, MaxResults: 60 }))).UserPoolClients ?? [];
      return { id: p.Id!, name: p.Name!, clients: clients.map((c) => c.ClientId!) };
    }),
  );
  const functions = ((await f.sdk.lambda.send(new ListFunctionsCommand({}))).Functions ?? []).map((fn) => fn.FunctionName!).sort();
  // moto's account comes with no customer roles; AWS service-linked ones would live under /aws-service-role/.
  const roles = ((await f.sdk.iam.send(new ListRolesCommand({}))).Roles ?? [])
    .filter((r) => !r.Path?.startsWith('/aws-service-role/'))
    .map((r) => r.RoleName!)
    .sort();
  const sesIdentities = ((await f.sdk.ses.send(new ListIdentitiesCommand({}))).Identities ?? []).sort();
  return { pools: withClients, functions, roles, sesIdentities };
}

/** The converged stack: exactly one of each resource, nothing else. */
export function expectExactlyOneOfEach(inv: Inventory): string[] {
  const problems: string[] = [];
  if (inv.pools.length !== 1 || inv.pools[0]!.name !== 'email-otp-pool') problems.push(`pools: ${JSON.stringify(inv.pools)}`);
  else if (inv.pools[0]!.clients.length !== 1) problems.push(`clients: ${JSON.stringify(inv.pools[0]!.clients)}`);
  if (JSON.stringify(inv.functions) !== JSON.stringify(FUNCTION_NAMES)) problems.push(`functions: ${JSON.stringify(inv.functions)}`);
  if (JSON.stringify(inv.roles) !== JSON.stringify(['EmailOTPLambdaExecutionRole'])) problems.push(`roles: ${JSON.stringify(inv.roles)}`);
  return problems;
}

export function isEmpty(inv: Inventory): string[] {
  const problems: string[] = [];
  if (inv.pools.length) problems.push(`pools left: ${JSON.stringify(inv.pools)}`);
  if (inv.functions.length) problems.push(`functions left: ${JSON.stringify(inv.functions)}`);
  if (inv.roles.length) problems.push(`roles left: ${JSON.stringify(inv.roles)}`);
  if (inv.sesIdentities.length) problems.push(`SES identities left: ${JSON.stringify(inv.sesIdentities)}`);
  return problems;
}

/** The one state file of a project, parsed; undefined when there is none. */
export async function readState(dir: string): Promise<StackState | undefined> {
  const folder = join(dir, '.otp-setup', 'state');
  const files = (await readdir(folder).catch(() => [] as string[])).filter((n) => n.endsWith('.json'));
  if (files.length === 0) return undefined;
  return JSON.parse(await readFile(join(folder, files[0]!), 'utf8')) as StackState;
}
