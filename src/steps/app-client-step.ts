import type { UpdateUserPoolClientCommandInput, UserPoolClientType } from '@aws-sdk/client-cognito-identity-provider';
import { grant } from '../core/permissions.js';
import { create as createChange, diffFields, noop, replace, update, type Change, type Step, type StepContext } from '../core/step.js';
import { userPoolArns } from './user-pool-step.js';
import { desiredClient } from '../spec/app-client.js';

interface ClientActual {
  client: UserPoolClientType;
}

function observedFields(client: UserPoolClientType): Record<string, unknown> {
  return {
    ClientName: client.ClientName,
    // Cognito returns no WriteAttributes when the client may write every standard attribute.
    WriteAttributes: [...(client.WriteAttributes ?? [])].sort(),
    HasSecret: Boolean(client.ClientSecret),
    ExplicitAuthFlows: [...(client.ExplicitAuthFlows ?? [])].sort(),
    PreventUserExistenceErrors: client.PreventUserExistenceErrors,
    EnableTokenRevocation: client.EnableTokenRevocation,
    AuthSessionValidity: client.AuthSessionValidity,
    AccessTokenValidity: client.AccessTokenValidity,
    IdTokenValidity: client.IdTokenValidity,
    RefreshTokenValidity: client.RefreshTokenValidity,
    TokenValidityUnits: client.TokenValidityUnits,
  };
}

/**
 * UpdateUserPoolClient resets every field it is not given (OAuth settings, read/write
 * attributes, analytics, ...), so the request is the described client with our fields merged in.
 */
export function mergedClientUpdate(client: UserPoolClientType, want: ReturnType<typeof desiredClient>): UpdateUserPoolClientCommandInput {
  return {
    UserPoolId: client.UserPoolId,
    ClientId: client.ClientId,
    ClientName: want.ClientName,
    RefreshTokenValidity: want.RefreshTokenValidity,
    AccessTokenValidity: want.AccessTokenValidity,
    IdTokenValidity: want.IdTokenValidity,
    TokenValidityUnits: want.TokenValidityUnits as UpdateUserPoolClientCommandInput['TokenValidityUnits'],
    ReadAttributes: client.ReadAttributes,
    WriteAttributes: want.WriteAttributes,
    ExplicitAuthFlows: want.ExplicitAuthFlows as UpdateUserPoolClientCommandInput['ExplicitAuthFlows'],
    SupportedIdentityProviders: client.SupportedIdentityProviders,
    CallbackURLs: client.CallbackURLs,
    LogoutURLs: client.LogoutURLs,
    DefaultRedirectURI: client.DefaultRedirectURI,
    AllowedOAuthFlows: client.AllowedOAuthFlows,
    AllowedOAuthScopes: client.AllowedOAuthScopes,
    AllowedOAuthFlowsUserPoolClient: client.AllowedOAuthFlowsUserPoolClient,
    AnalyticsConfiguration: client.AnalyticsConfiguration,
    PreventUserExistenceErrors: want.PreventUserExistenceErrors as 'ENABLED',
    EnableTokenRevocation: want.EnableTokenRevocation,
    EnablePropagateAdditionalUserContextData: client.EnablePropagateAdditionalUserContextData,
    AuthSessionValidity: want.AuthSessionValidity,
    RefreshTokenRotation: client.RefreshTokenRotation,
  };
}

/** App clients carry no tags: a client in our own pool with our name is ours. */
function clientIdsByName(ctx: StepContext, userPoolId: string): Promise<string[]> {
  return ctx.ports.cognito.userPoolClientIdsNamed(userPoolId, ctx.names.client);
}

async function findByName(ctx: StepContext, UserPoolId: string): Promise<UserPoolClientType | undefined> {
  const [first] = await clientIdsByName(ctx, UserPoolId);
  return first ? ctx.ports.cognito.describeUserPoolClient(UserPoolId, first) : undefined;
}

export const appClientStep: Step<ClientActual, 'app-client'> = {
  id: 'app-client',
  title: 'App client',
  dependsOn: ['user-pool'],
  speculativeRead: true,

  permissions(scope) {
    const actions = [
      'ListUserPoolClients',
      'DescribeUserPoolClient',
      'CreateUserPoolClient',
      'UpdateUserPoolClient',
      'DeleteUserPoolClient',
    ];
    return [
      grant(
        actions.map((a) => `cognito-idp:${a}`),
        userPoolArns(scope),
      ),
    ];
  },

  // Through the pool id the pool's read records, which it records only for a pool that is ours
  // (and forgets for one that is not): app clients carry no tags, so that is what makes one ours.
  async read(ctx) {
    const poolId = ctx.state.resources.userPoolId;
    if (!poolId) return { status: 'absent' };
    // Created by this run a moment ago: a fresh up saves the ListUserPoolClients round trip.
    if (ctx.facts.createdUserPoolId === poolId) return { status: 'absent' };
    const recorded = ctx.state.resources.clientId;
    const client =
      (recorded ? await ctx.ports.cognito.describeUserPoolClient(poolId, recorded) : undefined) ?? (await findByName(ctx, poolId));
    if (!client) {
      delete ctx.state.resources.clientId;
      return { status: 'absent' };
    }
    ctx.state.resources.clientId = client.ClientId;
    return { status: 'present', actual: { client } };
  },

  plan(ctx, observed): Change {
    const want = desiredClient(ctx.config, ctx.names.client);
    const create = async (c: StepContext): Promise<void> => {
      const w = desiredClient(c.config, c.names.client);
      const out = await c.ports.cognito.createUserPoolClient({
        UserPoolId: c.state.resources.userPoolId,
        ClientName: w.ClientName,
        GenerateSecret: false,
        WriteAttributes: w.WriteAttributes,
        ExplicitAuthFlows: w.ExplicitAuthFlows as never,
        PreventUserExistenceErrors: 'ENABLED',
        EnableTokenRevocation: true,
        AuthSessionValidity: w.AuthSessionValidity,
        AccessTokenValidity: w.AccessTokenValidity,
        IdTokenValidity: w.IdTokenValidity,
        RefreshTokenValidity: w.RefreshTokenValidity,
        TokenValidityUnits: w.TokenValidityUnits as never,
      });
      const created = out.value?.ClientId;
      c.state.resources.clientId = created;
      // Not idempotent either: a retried create may have made a twin whose answer was lost.
      if (out.attempts > 1 && created) {
        const UserPoolId = c.state.resources.userPoolId!;
        for (const twin of (await clientIdsByName(c, UserPoolId)).filter((id) => id !== created)) {
          await c.ports.cognito.deleteUserPoolClient(UserPoolId, twin);
        }
      }
    };
    if (observed.status === 'absent') return createChange(`create ${want.ClientName} (no secret, custom auth + refresh)`, create);
    const client = observed.actual.client;
    const diffs = diffFields(observedFields(client), { ...want, ExplicitAuthFlows: [...want.ExplicitAuthFlows].sort() });
    if (diffs.length === 0) return noop(`unchanged (${client.ClientId})`);
    if (diffs.some((d) => d.field === 'HasSecret')) {
      return replace(`replace ${client.ClientId}: a client secret cannot be removed in place (the client id changes)`, diffs, async (c) => {
        await c.ports.cognito.deleteUserPoolClient(client.UserPoolId, client.ClientId);
        await create(c);
      });
    }
    return update(diffs, (c) => c.ports.cognito.updateUserPoolClient(mergedClientUpdate(client, want)));
  },

  // Teardown reads the pool before the client (it reads a step after those it depends on), so a
  // client found is one in a pool of ours.
  async destroy(ctx, observed) {
    if (observed.status === 'absent') return { action: 'absent', summary: 'already gone' };
    const { client } = observed.actual;
    await ctx.ports.cognito.deleteUserPoolClient(client.UserPoolId, client.ClientId);
    delete ctx.state.resources.clientId;
    return { action: 'deleted', summary: `deleted ${client.ClientId}` };
  },
};
