import type { CreateUserPoolCommandInput, UpdateUserPoolCommandInput, UserPoolType } from '@aws-sdk/client-cognito-identity-provider';
import { call, callOrAbsent, callIgnoringAbsent } from '../aws/aws-errors.js';
import { deletionProtectionFor } from '../config/resource-names.js';
import { OtpError } from '../core/errors.js';
import { grant, type PermissionScope } from '../core/permissions.js';
import { diffFields, noop, update, type Change, type FieldDiff, type Step, type StepContext } from '../core/step.js';
import { functionArn } from './function-step.js';
import { foreignReason, ownershipTags } from './ownership.js';
import { sesRegion } from './ses-identity-step.js';
import { sdk } from '../aws/sdk.js';

interface PoolActual {
  pool: UserPoolType;
}

/** Any pool of this account and region: pool ids are random, so no ARN can name ours in advance. */
export function userPoolArns(scope: PermissionScope): string[] {
  return [`arn:${scope.partition}:cognito-idp:${scope.region}:${scope.accountId}:userpool/*`];
}

/** The guide's schema: email required (it is the username), name optional. */
const SCHEMA = [
  { Name: 'email', AttributeDataType: 'String' as const, Mutable: true, Required: true },
  { Name: 'name', AttributeDataType: 'String' as const, Mutable: true, Required: false },
];

function desiredLambdaConfig(ctx: StepContext): Record<string, string> {
  return {
    DefineAuthChallenge: functionArn(ctx, 'define-auth-challenge'),
    CreateAuthChallenge: functionArn(ctx, 'create-auth-challenge'),
    VerifyAuthChallengeResponse: functionArn(ctx, 'verify-auth-challenge'),
    PreSignUp: functionArn(ctx, 'pre-sign-up'),
  };
}

/**
 * Cognito's own mails (rare here: sign-up is auto-confirmed and codes go through our trigger)
 * use the SES sender once it is verified, as the guide's step 4 does. Until then AWS would
 * reject CreateUserPool with DEVELOPER, so the pool starts on COGNITO_DEFAULT and a later `up`
 * switches it over. When only the sender's domain is verified, Cognito wants the domain's ARN.
 */
function desiredEmailConfiguration(ctx: StepContext): Record<string, string> {
  const identity = ctx.facts.sesIdentity;
  if (!identity) return { EmailSendingAccount: 'COGNITO_DEFAULT' };
  return {
    EmailSendingAccount: 'DEVELOPER',
    SourceArn: `arn:${ctx.partition}:ses:${sesRegion(ctx)}:${ctx.accountId}:identity/${identity}`,
  };
}

function desired(ctx: StepContext) {
  return {
    UsernameAttributes: ['email'],
    EmailRequired: true,
    AutoVerifiedAttributes: ['email'],
    LambdaConfig: desiredLambdaConfig(ctx),
    EmailConfiguration: desiredEmailConfiguration(ctx),
    DeletionProtection: deletionProtectionFor(ctx.config) ? 'ACTIVE' : 'INACTIVE',
    // Sent explicitly: CreateUserPool would otherwise pick ESSENTIALS, which costs more per MAU
    // (SDK model CreateUserPoolRequest.UserPoolTier: "Defaults to ESSENTIALS").
    UserPoolTier: ctx.config.userPool.tier,
    Tags: ownershipTags(ctx),
  };
}

function observedFields(pool: UserPoolType, want: ReturnType<typeof desired>): Record<string, unknown> {
  const pick = (source: Record<string, unknown> | undefined, keys: string[]) => Object.fromEntries(keys.map((k) => [k, source?.[k]]));
  return {
    UsernameAttributes: pool.UsernameAttributes ?? [],
    EmailRequired: pool.SchemaAttributes?.find((a) => a.Name === 'email')?.Required === true,
    AutoVerifiedAttributes: pool.AutoVerifiedAttributes ?? [],
    // Triggers a user added by hand (e.g. PostConfirmation) are kept: only ours are compared.
    LambdaConfig: pick(pool.LambdaConfig as Record<string, unknown>, Object.keys(want.LambdaConfig)),
    EmailConfiguration: pick(pool.EmailConfiguration as Record<string, unknown>, Object.keys(want.EmailConfiguration)),
    DeletionProtection: pool.DeletionProtection ?? 'INACTIVE',
    // AWS reports every pool's tier; an endpoint that omits it (moto 5.2) shows no drift.
    UserPoolTier: pool.UserPoolTier ?? want.UserPoolTier,
    Tags: pick(pool.UserPoolTags, Object.keys(want.Tags)),
  };
}

/** Fields that cannot change on an existing pool. */
const REPLACE_FIELDS = new Set(['UsernameAttributes', 'EmailRequired']);

/**
 * UpdateUserPool resets every field it is not given (LambdaConfig and EmailConfiguration
 * included), so the request is the whole described pool with our changes merged in.
 */
export function mergedUpdate(pool: UserPoolType, changes: Partial<UpdateUserPoolCommandInput>): UpdateUserPoolCommandInput {
  const template = pool.VerificationMessageTemplate;
  return {
    UserPoolId: pool.Id!,
    PoolName: pool.Name,
    Policies: pool.Policies,
    DeletionProtection: pool.DeletionProtection,
    LambdaConfig: pool.LambdaConfig,
    AutoVerifiedAttributes: pool.AutoVerifiedAttributes,
    // The legacy message fields conflict with VerificationMessageTemplate when both are sent.
    ...(template
      ? { VerificationMessageTemplate: template }
      : {
          SmsVerificationMessage: pool.SmsVerificationMessage,
          EmailVerificationMessage: pool.EmailVerificationMessage,
          EmailVerificationSubject: pool.EmailVerificationSubject,
        }),
    SmsAuthenticationMessage: pool.SmsAuthenticationMessage,
    UserAttributeUpdateSettings: pool.UserAttributeUpdateSettings,
    MfaConfiguration: pool.MfaConfiguration,
    DeviceConfiguration: pool.DeviceConfiguration,
    EmailConfiguration: pool.EmailConfiguration,
    SmsConfiguration: pool.SmsConfiguration,
    UserPoolTags: pool.UserPoolTags,
    AdminCreateUserConfig: pool.AdminCreateUserConfig,
    UserPoolAddOns: pool.UserPoolAddOns,
    AccountRecoverySetting: pool.AccountRecoverySetting,
    UserPoolTier: pool.UserPoolTier,
    DcrConfiguration: pool.DcrConfiguration,
    KeyConfiguration: pool.KeyConfiguration,
    IssuerConfiguration: pool.IssuerConfiguration,
    AcrConfiguration: pool.AcrConfiguration,
    ...changes,
  };
}

async function describe(ctx: StepContext, UserPoolId: string): Promise<UserPoolType | undefined> {
  const cognito = await ctx.aws.cognito();
  const { DescribeUserPoolCommand } = sdk('@aws-sdk/client-cognito-identity-provider');
  const out = await callOrAbsent('cognito-idp:DescribeUserPool', UserPoolId, () => cognito.send(new DescribeUserPoolCommand({ UserPoolId })));
  return out?.UserPool;
}

/** Finds pools by name (state lost, or never recorded); ours are those carrying our tag. */
async function findByName(ctx: StepContext): Promise<{ ours: UserPoolType[]; others: UserPoolType[] }> {
  const cognito = await ctx.aws.cognito();
  const { paginateListUserPools } = sdk('@aws-sdk/client-cognito-identity-provider');
  const ids: string[] = [];
  const pages = paginateListUserPools({ client: cognito, pageSize: 60 }, { MaxResults: 60 });
  await call('cognito-idp:ListUserPools', undefined, async () => {
    for await (const page of pages) {
      for (const p of page.UserPools ?? []) if (p.Name === ctx.names.userPool && p.Id) ids.push(p.Id);
    }
  });
  const pools = (await Promise.all(ids.map((id) => describe(ctx, id)))).filter((p): p is UserPoolType => p !== undefined);
  const ours = pools.filter((p) => foreignReason(ctx, 'user pool', ctx.names.userPool, p.UserPoolTags) === undefined);
  return { ours, others: pools.filter((p) => !ours.includes(p)) };
}

async function deletePool(ctx: StepContext, pool: UserPoolType): Promise<void> {
  const cognito = await ctx.aws.cognito();
  const api = sdk('@aws-sdk/client-cognito-identity-provider');
  const UserPoolId = pool.Id!;
  if (pool.DeletionProtection === 'ACTIVE') {
    // AWS refuses to delete a protected pool; teardown is the explicit request to do so.
    ctx.progress('turning deletion protection off');
    await call('cognito-idp:UpdateUserPool', UserPoolId, () => cognito.send(new api.UpdateUserPoolCommand(mergedUpdate(pool, { DeletionProtection: 'INACTIVE' }))));
  }
  await callIgnoringAbsent('cognito-idp:DeleteUserPool', UserPoolId, () => cognito.send(new api.DeleteUserPoolCommand({ UserPoolId })));
}

export const userPoolStep: Step<PoolActual> = {
  id: 'user-pool',
  title: 'User pool',
  dependsOn: ['function:define-auth-challenge', 'function:create-auth-challenge', 'function:verify-auth-challenge', 'function:pre-sign-up', 'ses-identity', 'ses-domain'],
  independentRead: true,

  permissions(scope) {
    return [
      // CreateUserPool and ListUserPools have no resource type: "*".
      grant(['cognito-idp:ListUserPools', 'cognito-idp:CreateUserPool'], ['*']),
      grant(['cognito-idp:DescribeUserPool', 'cognito-idp:UpdateUserPool', 'cognito-idp:DeleteUserPool'], userPoolArns(scope)),
      // Switching the pool's email to SES (DEVELOPER) makes Cognito create its service-linked role once per
      // account, with the caller's permission: https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-email.html
      grant(['iam:CreateServiceLinkedRole'], [`arn:${scope.partition}:iam::${scope.accountId}:role/aws-service-role/email.cognito-idp.amazonaws.com/*`], {
        StringEquals: { 'iam:AWSServiceName': 'email.cognito-idp.amazonaws.com' },
      }),
    ];
  },

  async read(ctx) {
    const recordedId = ctx.state.resources.userPoolId;
    let pool = recordedId ? await describe(ctx, recordedId) : undefined;
    let foreign: string | undefined;
    if (!pool) {
      const { ours, others } = await findByName(ctx);
      if (ours.length > 1) {
        throw new OtpError('DUPLICATE_POOLS', `Found ${ours.length} user pools named "${ctx.names.userPool}" tagged for this stack: ${ours.map((p) => p.Id).join(', ')}.`, {
          resolution: 'Delete the ones you do not use in the Cognito console (or with "aws cognito-idp delete-user-pool"), then run the command again.',
        });
      }
      pool = ours[0] ?? others[0];
      if (pool && !ours[0]) foreign = foreignReason(ctx, 'user pool', ctx.names.userPool, pool.UserPoolTags);
    }
    if (!pool) {
      delete ctx.state.resources.userPoolId;
      return { status: 'absent' };
    }
    if (!foreign) {
      ctx.state.resources.userPoolId = pool.Id;
      ctx.facts.userPoolArn = pool.Arn ?? `arn:${ctx.partition}:cognito-idp:${ctx.region}:${ctx.accountId}:userpool/${pool.Id}`;
    }
    return { status: 'present', actual: { pool }, foreign };
  },

  plan(ctx, observed): Change {
    const want = desired(ctx);
    const create = async (c: StepContext): Promise<void> => {
      const cognito = await c.aws.cognito();
      const { CreateUserPoolCommand } = sdk('@aws-sdk/client-cognito-identity-provider');
      const w = desired(c);
      const input: CreateUserPoolCommandInput = {
        PoolName: c.names.userPool,
        UsernameAttributes: ['email'],
        // Email addresses are case-insensitive; this cannot be changed after creation.
        UsernameConfiguration: { CaseSensitive: false },
        AutoVerifiedAttributes: ['email'],
        Schema: SCHEMA,
        LambdaConfig: w.LambdaConfig,
        EmailConfiguration: w.EmailConfiguration as CreateUserPoolCommandInput['EmailConfiguration'],
        DeletionProtection: w.DeletionProtection as 'ACTIVE' | 'INACTIVE',
        UserPoolTier: w.UserPoolTier,
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: false },
        UserPoolTags: w.Tags,
      };
      const out = await call('cognito-idp:CreateUserPool', c.names.userPool, () => cognito.send(new CreateUserPoolCommand(input)));
      c.state.resources.userPoolId = out.UserPool?.Id;
      // CreateUserPool is not idempotent. When the SDK had to retry it (a reset or timeout after
      // AWS received the request), an earlier attempt may have created a pool whose answer was
      // lost: that twin carries our name and tag, is seconds old and empty, and we hold the lock.
      if ((out.$metadata.attempts ?? 1) > 1 && out.UserPool?.Id) {
        const { ours } = await findByName(c);
        for (const twin of ours.filter((p) => p.Id !== out.UserPool?.Id)) await deletePool(c, twin);
      }
      c.facts.userPoolArn = out.UserPool?.Arn ?? `arn:${c.partition}:cognito-idp:${c.region}:${c.accountId}:userpool/${out.UserPool?.Id}`;
      delete c.state.resources.clientId;
      c.facts.createdUserPoolId = out.UserPool?.Id;
    };
    if (observed.status === 'absent') {
      return { kind: 'create', summary: `create ${ctx.names.userPool} (email as username, custom-auth triggers, ${want.UserPoolTier} tier)`, diffs: [], notes: [], apply: create };
    }
    const pool = observed.actual.pool;
    const diffs: FieldDiff[] = diffFields(observedFields(pool, want), want);
    if (diffs.length === 0) return noop(`unchanged (${pool.Id})`);
    if (diffs.some((d) => REPLACE_FIELDS.has(d.field))) {
      return {
        kind: 'replace',
        summary: `replace ${pool.Id}: ${diffs.filter((d) => REPLACE_FIELDS.has(d.field)).map((d) => d.field).join(', ')} cannot change in place (all users are lost)`,
        diffs,
        notes: [],
        apply: async (c) => {
          await deletePool(c, pool);
          await create(c);
        },
      };
    }
    return update(diffs, async (c) => {
      const cognito = await c.aws.cognito();
      const { UpdateUserPoolCommand } = sdk('@aws-sdk/client-cognito-identity-provider');
      const input = mergedUpdate(pool, {
        AutoVerifiedAttributes: want.AutoVerifiedAttributes as UpdateUserPoolCommandInput['AutoVerifiedAttributes'],
        LambdaConfig: { ...pool.LambdaConfig, ...want.LambdaConfig },
        // Keep extra settings (e.g. a ConfigurationSet) while the sending account type stays the same.
        EmailConfiguration: (pool.EmailConfiguration?.EmailSendingAccount === want.EmailConfiguration.EmailSendingAccount
          ? { ...pool.EmailConfiguration, ...want.EmailConfiguration }
          : want.EmailConfiguration) as UpdateUserPoolCommandInput['EmailConfiguration'],
        DeletionProtection: want.DeletionProtection as 'ACTIVE' | 'INACTIVE',
        UserPoolTier: want.UserPoolTier,
        UserPoolTags: { ...pool.UserPoolTags, ...want.Tags },
      });
      await call('cognito-idp:UpdateUserPool', pool.Id, () => cognito.send(new UpdateUserPoolCommand(input)));
    });
  },

  async destroy(ctx) {
    const observed = await userPoolStep.read(ctx);
    if (observed.status === 'absent') return { action: 'absent', summary: 'already gone' };
    if (observed.foreign) return { action: 'kept', summary: `kept: ${observed.foreign}` };
    const { pool } = observed.actual;
    await deletePool(ctx, pool);
    delete ctx.state.resources.userPoolId;
    delete ctx.state.resources.clientId;
    const protectedNote = pool.DeletionProtection === 'ACTIVE' ? ', after turning its deletion protection off' : '';
    return { action: 'deleted', summary: `deleted ${pool.Id} (and its app client${protectedNote})` };
  },
};
