import type { CreateUserPoolCommandInput, UpdateUserPoolCommandInput, UserPoolType } from '@aws-sdk/client-cognito-identity-provider';
import { deletionProtectionFor } from '../config/resource-names.js';
import { OtpError } from '../core/errors.js';
import { grant, type PermissionScope } from '../core/permissions.js';
import {
  create as createChange,
  destroyOwned,
  diffFields,
  noop,
  replace,
  update,
  type Change,
  type FieldDiff,
  type Step,
  type StepContext,
} from '../core/step.js';
import { FUNCTION_STEP_IDS, functionArn } from './function-step.js';
import { foreignReason, ownershipTags } from './ownership.js';
import { sesRegion } from './ses-identity-step.js';
import { formatSource } from '../../handlers/shared/email.js';

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
    PostAuthentication: functionArn(ctx, 'post-authentication'),
  };
}

/**
 * Cognito's own mails (rare here: sign-up is auto-confirmed and codes go through our trigger)
 * use the SES sender once it is verified, as the guide's step 4 does. Until then AWS would
 * reject CreateUserPool with DEVELOPER, so the pool starts on COGNITO_DEFAULT and a later `up`
 * switches it over. When only the sender's domain is verified, Cognito wants the domain's ARN
 * (https://github.com/aws-amplify/amplify-backend/issues/3134); the address then comes from
 * `From` ("the sender's email address or the sender's name with their email address",
 * EmailConfigurationType), so `From` is always set, with `email.fromName` as the display name.
 * COGNITO_DEFAULT takes no `From` ("Cannot configure From email address for default email
 * configuration", aws-cdk#9739). With DEVELOPER, Cognito creates its service-linked role the
 * first time, with the caller's permissions: the caller needs iam:CreateServiceLinkedRole
 * (https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-email.html).
 */
function desiredEmailConfiguration(ctx: StepContext): Record<string, string> {
  const identity = ctx.facts.sesIdentity;
  if (!identity) return { EmailSendingAccount: 'COGNITO_DEFAULT' };
  return {
    EmailSendingAccount: 'DEVELOPER',
    SourceArn: `arn:${ctx.partition}:ses:${sesRegion(ctx)}:${ctx.accountId}:identity/${identity}`,
    From: formatSource({ email: ctx.config.email.from, name: ctx.config.email.fromName }),
  };
}

/**
 * An email change (by an admin call or a user's own UpdateUserAttributes) takes effect only once
 * the new address is verified with the code Cognito sends it; until then the old address stays
 * the one codes go to. Without it, "API operations ... can immediately update a user's email".
 * https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UserAttributeUpdateSettingsType.html
 */
const ATTRIBUTE_UPDATE_SETTINGS = { AttributesRequireVerificationBeforeUpdate: ['email'] };

function desired(ctx: StepContext) {
  return {
    UsernameAttributes: ['email'],
    EmailRequired: true,
    AutoVerifiedAttributes: ['email'],
    UserAttributeUpdateSettings: ATTRIBUTE_UPDATE_SETTINGS,
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
    UserAttributeUpdateSettings: {
      AttributesRequireVerificationBeforeUpdate: pool.UserAttributeUpdateSettings?.AttributesRequireVerificationBeforeUpdate ?? [],
    },
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

const DEFAULT_ACR_NAME = /^urn:cognito:loa:[1-4]$/;

/**
 * What DescribeUserPool reports but UpdateUserPool must not get back:
 * - AdminCreateUserConfig.UnusedAccountValidityDays: AWS fills it in on every pool (its
 *   CreateUserPool example answers with 7 although the request never set it) and refuses it
 *   back once TemporaryPasswordValidityDays is set, which it also always is: "Please use
 *   TemporaryPasswordValidityDays in PasswordPolicy instead of UnusedAccountValidityDays"
 *   (PasswordPolicyType; hashicorp/terraform#21561). A pool that somehow has no
 *   TemporaryPasswordValidityDays gets the value there instead.
 * - DcrConfiguration: an Essentials feature; "If you omit this parameter, Amazon Cognito keeps the
 *   existing configuration", so omitting it is both safe and valid on the Lite plan.
 * - AcrConfiguration: always the effective configuration, default names merged in; custom names
 *   need Essentials or Plus. Omitted levels keep their default names, so only custom ones are sent.
 * UserPoolTier is sent back: an omitted tier falls back to the default (ESSENTIALS), which would
 * move a Lite pool to a paid plan. Read-only fields (Id, Arn, Status, dates, SchemaAttributes,
 * UsernameAttributes, Domain, ...) are not members of the request and are never sent.
 * https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateUserPool.html
 */
function writablePolicies(pool: UserPoolType): Pick<UpdateUserPoolCommandInput, 'Policies' | 'AdminCreateUserConfig' | 'AcrConfiguration'> {
  const { UnusedAccountValidityDays, ...adminCreateUserConfig } = pool.AdminCreateUserConfig ?? {};
  const passwordPolicy = pool.Policies?.PasswordPolicy;
  const policies =
    UnusedAccountValidityDays !== undefined && passwordPolicy && passwordPolicy.TemporaryPasswordValidityDays === undefined
      ? { ...pool.Policies, PasswordPolicy: { ...passwordPolicy, TemporaryPasswordValidityDays: UnusedAccountValidityDays } }
      : pool.Policies;
  const customAcr = Object.entries(pool.AcrConfiguration ?? {}).filter(
    ([, level]) => level?.AcrValue && !DEFAULT_ACR_NAME.test(level.AcrValue),
  );
  return {
    Policies: policies,
    AdminCreateUserConfig: pool.AdminCreateUserConfig ? adminCreateUserConfig : undefined,
    AcrConfiguration: customAcr.length > 0 ? Object.fromEntries(customAcr) : undefined,
  };
}

/**
 * UpdateUserPool resets every field it is not given (LambdaConfig and EmailConfiguration
 * included), so the request is the whole described pool with our changes merged in, less what
 * AWS refuses to get back (writablePolicies).
 */
export function mergedUpdate(pool: UserPoolType, changes: Partial<UpdateUserPoolCommandInput>): UpdateUserPoolCommandInput {
  const template = pool.VerificationMessageTemplate;
  const writable = writablePolicies(pool);
  return {
    UserPoolId: pool.Id!,
    PoolName: pool.Name,
    Policies: writable.Policies,
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
    AdminCreateUserConfig: writable.AdminCreateUserConfig,
    UserPoolAddOns: pool.UserPoolAddOns,
    AccountRecoverySetting: pool.AccountRecoverySetting,
    UserPoolTier: pool.UserPoolTier,
    KeyConfiguration: pool.KeyConfiguration,
    IssuerConfiguration: pool.IssuerConfiguration,
    AcrConfiguration: writable.AcrConfiguration,
    ...changes,
  };
}

/** Finds pools by name (state lost, or never recorded); ours are those carrying our tag. */
async function findByName(ctx: StepContext): Promise<{ ours: UserPoolType[]; others: UserPoolType[] }> {
  const ids = await ctx.ports.cognito.userPoolIdsNamed(ctx.names.userPool);
  const pools = (await Promise.all(ids.map((id) => ctx.ports.cognito.describeUserPool(id)))).filter(
    (p): p is UserPoolType => p !== undefined,
  );
  const ours = pools.filter(
    (p) => foreignReason(ctx, 'user pool', ctx.names.userPool, p.UserPoolTags, p.Id === ctx.state.resources.userPoolId) === undefined,
  );
  return { ours, others: pools.filter((p) => !ours.includes(p)) };
}

async function deletePool(ctx: StepContext, pool: UserPoolType): Promise<void> {
  const UserPoolId = pool.Id!;
  // AWS refuses to delete a pool that has a domain ("User pool cannot be deleted. It has a domain
  // configured that should be deleted first."; hashicorp/terraform-provider-aws#16479). otp-setup
  // never creates one: someone added it, perhaps with DNS and certificates around it, so it is not
  // ours to delete. Checked before anything is changed (deletion protection stays as it was).
  const domain = pool.CustomDomain ?? pool.Domain;
  if (domain) {
    throw new OtpError(
      'POOL_HAS_DOMAIN',
      `The user pool ${UserPoolId} has the domain "${domain}", which otp-setup did not create; AWS does not delete a pool that has a domain.`,
      {
        resolution: `If nothing uses that domain any more, delete it ("aws cognito-idp delete-user-pool-domain --user-pool-id ${UserPoolId} --domain ${domain}", or in the Cognito console under Domain), then run the command again.`,
      },
    );
  }
  if (pool.DeletionProtection === 'ACTIVE') {
    // AWS refuses to delete a protected pool; teardown is the explicit request to do so.
    ctx.progress('turning deletion protection off');
    await ctx.ports.cognito.updateUserPool(mergedUpdate(pool, { DeletionProtection: 'INACTIVE' }));
  }
  await ctx.ports.cognito.deleteUserPool(UserPoolId);
}

export const userPoolStep: Step<PoolActual, 'user-pool'> = {
  id: 'user-pool',
  title: 'User pool',
  dependsOn: [...FUNCTION_STEP_IDS, 'ses-identity', 'ses-domain'],
  // CreateUserPool only names the functions by ARN: it need not wait for them to become Active.
  startsAfterApply: FUNCTION_STEP_IDS,
  independentRead: true,

  permissions(scope) {
    return [
      // CreateUserPool and ListUserPools have no resource type: "*".
      grant(['cognito-idp:ListUserPools', 'cognito-idp:CreateUserPool'], ['*']),
      grant(['cognito-idp:DescribeUserPool', 'cognito-idp:UpdateUserPool', 'cognito-idp:DeleteUserPool'], userPoolArns(scope)),
      // Switching the pool's email to SES (DEVELOPER) makes Cognito create its service-linked role once per
      // account, with the caller's permission: https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-email.html
      grant(
        ['iam:CreateServiceLinkedRole'],
        [`arn:${scope.partition}:iam::${scope.accountId}:role/aws-service-role/email.cognito-idp.amazonaws.com/*`],
        {
          StringEquals: { 'iam:AWSServiceName': 'email.cognito-idp.amazonaws.com' },
        },
      ),
    ];
  },

  async read(ctx) {
    const recordedId = ctx.state.resources.userPoolId;
    let pool = recordedId ? await ctx.ports.cognito.describeUserPool(recordedId) : undefined;
    // The recorded id (recorded only for a pool that was ours) proves a pool from before stack ids,
    // or one whose tags an UpdateUserPool without UserPoolTags wiped, ours; another id's is not.
    let foreign = pool
      ? foreignReason(ctx, 'user pool', pool.Name ?? ctx.names.userPool, pool.UserPoolTags, true, { untaggedOursWhenRecorded: true })
      : undefined;
    if (!pool) {
      const { ours, others } = await findByName(ctx);
      if (ours.length > 1) {
        throw new OtpError(
          'DUPLICATE_POOLS',
          `Found ${ours.length} user pools named "${ctx.names.userPool}" tagged for this stack: ${ours.map((p) => p.Id).join(', ')}.`,
          {
            resolution:
              'Delete the ones you do not use in the Cognito console (or with "aws cognito-idp delete-user-pool"), then run the command again.',
          },
        );
      }
      pool = ours[0] ?? others[0];
      if (pool && !ours[0]) foreign = foreignReason(ctx, 'user pool', ctx.names.userPool, pool.UserPoolTags);
    }
    if (!pool) {
      delete ctx.state.resources.userPoolId;
      return { status: 'absent' };
    }
    if (foreign && !ctx.adopt) {
      // Not ours (any more): forget it, so its app client is not taken for ours either.
      if (recordedId === pool.Id) {
        delete ctx.state.resources.userPoolId;
        delete ctx.state.resources.clientId;
      }
    } else {
      ctx.state.resources.userPoolId = pool.Id;
      ctx.facts.userPoolArn = pool.Arn ?? `arn:${ctx.partition}:cognito-idp:${ctx.region}:${ctx.accountId}:userpool/${pool.Id}`;
    }
    return { status: 'present', actual: { pool }, foreign };
  },

  plan(ctx, observed): Change {
    const want = desired(ctx);
    const create = async (c: StepContext): Promise<void> => {
      const w = desired(c);
      const input: CreateUserPoolCommandInput = {
        PoolName: c.names.userPool,
        UsernameAttributes: ['email'],
        // Email addresses are case-insensitive; this cannot be changed after creation.
        UsernameConfiguration: { CaseSensitive: false },
        AutoVerifiedAttributes: ['email'],
        UserAttributeUpdateSettings: ATTRIBUTE_UPDATE_SETTINGS as CreateUserPoolCommandInput['UserAttributeUpdateSettings'],
        Schema: SCHEMA,
        LambdaConfig: w.LambdaConfig,
        EmailConfiguration: w.EmailConfiguration,
        DeletionProtection: w.DeletionProtection as 'ACTIVE' | 'INACTIVE',
        UserPoolTier: w.UserPoolTier,
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: false },
        UserPoolTags: w.Tags,
      };
      const { value: created, attempts } = await c.ports.cognito.createUserPool(input);
      c.state.resources.userPoolId = created?.Id;
      // CreateUserPool is not idempotent. When the SDK had to retry it (a reset or timeout after
      // AWS received the request), an earlier attempt may have created a pool whose answer was
      // lost: that twin carries our name and tag, is seconds old and empty, and we hold the lock.
      if (attempts > 1 && created?.Id) {
        const { ours } = await findByName(c);
        for (const twin of ours.filter((p) => p.Id !== created.Id)) await deletePool(c, twin);
      }
      c.facts.userPoolArn = created?.Arn ?? `arn:${c.partition}:cognito-idp:${c.region}:${c.accountId}:userpool/${created?.Id}`;
      delete c.state.resources.clientId;
      c.facts.createdUserPoolId = created?.Id;
    };
    if (observed.status === 'absent') {
      return createChange(`create ${ctx.names.userPool} (email as username, custom-auth triggers, ${want.UserPoolTier} tier)`, create);
    }
    const pool = observed.actual.pool;
    const diffs: FieldDiff[] = diffFields(observedFields(pool, want), want);
    if (diffs.length === 0) return noop(`unchanged (${pool.Id})`);
    if (diffs.some((d) => REPLACE_FIELDS.has(d.field))) {
      const fixed = diffs.filter((d) => REPLACE_FIELDS.has(d.field)).map((d) => d.field);
      return replace(`replace ${pool.Id}: ${fixed.join(', ')} cannot change in place (all users are lost)`, diffs, async (c) => {
        await deletePool(c, pool);
        await create(c);
      });
    }
    return update(diffs, async (c) => {
      const input = mergedUpdate(pool, {
        AutoVerifiedAttributes: want.AutoVerifiedAttributes as UpdateUserPoolCommandInput['AutoVerifiedAttributes'],
        UserAttributeUpdateSettings: want.UserAttributeUpdateSettings as UpdateUserPoolCommandInput['UserAttributeUpdateSettings'],
        LambdaConfig: { ...pool.LambdaConfig, ...want.LambdaConfig },
        // Keep extra settings (e.g. a ConfigurationSet) while the sending account type stays the same.
        EmailConfiguration:
          pool.EmailConfiguration?.EmailSendingAccount === want.EmailConfiguration.EmailSendingAccount
            ? { ...pool.EmailConfiguration, ...want.EmailConfiguration }
            : want.EmailConfiguration,
        DeletionProtection: want.DeletionProtection as 'ACTIVE' | 'INACTIVE',
        UserPoolTier: want.UserPoolTier,
        UserPoolTags: { ...pool.UserPoolTags, ...want.Tags },
      });
      await c.ports.cognito.updateUserPool(input);
    });
  },

  destroy: (ctx, observed) =>
    destroyOwned(observed, async ({ pool }) => {
      await deletePool(ctx, pool);
      delete ctx.state.resources.userPoolId;
      delete ctx.state.resources.clientId;
      const protectedNote = pool.DeletionProtection === 'ACTIVE' ? ', after turning its deletion protection off' : '';
      return { action: 'deleted', summary: `deleted ${pool.Id} (and its app client${protectedNote})` };
    }),
};
