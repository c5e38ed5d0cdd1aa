import type { RealismRule } from './types.js';

const DEFAULT_ACR = {
  Level1: { AcrValue: 'urn:cognito:loa:1' },
  Level2: { AcrValue: 'urn:cognito:loa:2' },
  Level3: { AcrValue: 'urn:cognito:loa:3' },
  Level4: { AcrValue: 'urn:cognito:loa:4' },
};

/**
 * DescribeUserPool: AWS fills in fields the caller never set, and moto does not.
 * - AdminCreateUserConfig.UnusedAccountValidityDays is always there (7), next to
 *   Policies.PasswordPolicy.TemporaryPasswordValidityDays: AWS's own CreateUserPool example
 *   answers with both although the request set neither.
 * - UserPoolTier defaults to ESSENTIALS ("Defaults to ESSENTIALS", CreateUserPoolRequest).
 * - AcrConfiguration is always the effective configuration, default level names merged in.
 *
 * - Create-only settings (UsernameAttributes, AliasAttributes, UsernameConfiguration) stay what
 *   CreateUserPool set: UpdateUserPool has no such members, so AWS keeps them, while moto resets
 *   them with every other omitted field.
 *
 * UpdateUserPool: AWS refuses what DescribeUserPool handed out.
 * - "When you set TemporaryPasswordValidityDays for a user pool, you can no longer set a value
 *   for the legacy UnusedAccountValidityDays parameter" (PasswordPolicyType); every pool has
 *   TemporaryPasswordValidityDays, so sending UnusedAccountValidityDays back always fails with
 *   "Please use TemporaryPasswordValidityDays in PasswordPolicy instead of UnusedAccountValidityDays".
 * - On the Lite plan, AcrConfiguration and DcrConfiguration are features of Essentials and above
 *   ("Configuring custom ACR level names requires the Essentials or Plus feature plan";
 *   DcrConfiguration "To activate this setting, your user pool must be in the Essentials tier or
 *   higher"), refused with FeatureUnavailableInTierException. Sending them at all on Lite is
 *   treated as configuring them: the strict reading, since AWS does not say the defaults pass.
 */
export function cognitoUserPoolRule(): RealismRule {
  // Create-only settings per pool: UpdateUserPool has no such members and AWS keeps them
  // (UsernameConfiguration: "This configuration is immutable after you set it"); moto's
  // UpdateUserPool resets them to its defaults along with every omitted field.
  const createOnly = new Map<string, Record<string, unknown>>();
  const CREATE_ONLY = ['UsernameAttributes', 'AliasAttributes', 'UsernameConfiguration'];
  const learn = (pool: Record<string, any>) => {
    const known = createOnly.get(pool.Id) ?? {};
    for (const k of CREATE_ONLY) if (pool[k] !== undefined && known[k] === undefined) known[k] = pool[k];
    createOnly.set(pool.Id, known);
  };
  return {
    id: 'cognito-user-pool-fields',
    sources: [
      'https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPool.html#API_CreateUserPool_Examples',
      'https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_PasswordPolicyType.html',
      'https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateUserPool.html',
      'https://github.com/hashicorp/terraform/issues/21561',
      'https://github.com/pulumi/pulumi-aws-native/issues/1256',
    ],
    request(call) {
      if (call.service !== 'cognito-idp' || call.action !== 'UpdateUserPool' || !call.json) return undefined;
      const body = call.json;
      if (body.AdminCreateUserConfig?.UnusedAccountValidityDays !== undefined) {
        return {
          error: {
            status: 400,
            type: 'InvalidParameterException',
            message: 'Please use TemporaryPasswordValidityDays in PasswordPolicy instead of UnusedAccountValidityDays',
          },
        };
      }
      if ((body.UserPoolTier ?? 'ESSENTIALS') === 'LITE') {
        const gated = ['AcrConfiguration', 'DcrConfiguration'].filter((k) => body[k] !== undefined);
        if (gated.length > 0) {
          return {
            error: {
              status: 400,
              type: 'FeatureUnavailableInTierException',
              message: `${gated.join(', ')} requires the Essentials or Plus feature plan.`,
            },
          };
        }
      }
      return undefined;
    },
    response(call, body) {
      if (call.service !== 'cognito-idp' || !body.UserPool?.Id) return undefined;
      learn(body.UserPool);
      if (call.action !== 'DescribeUserPool') return undefined;
      const pool = body.UserPool;
      for (const [k, v] of Object.entries(createOnly.get(pool.Id) ?? {})) pool[k] ??= v;
      const policy =
        (pool.Policies ??= {}).PasswordPolicy ??
        (pool.Policies.PasswordPolicy = {
          MinimumLength: 8,
          RequireUppercase: true,
          RequireLowercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        });
      policy.TemporaryPasswordValidityDays ??= 7;
      (pool.AdminCreateUserConfig ??= { AllowAdminCreateUserOnly: false }).UnusedAccountValidityDays ??=
        policy.TemporaryPasswordValidityDays;
      pool.UserPoolTier ??= 'ESSENTIALS';
      pool.AcrConfiguration = { ...DEFAULT_ACR, ...(pool.AcrConfiguration ?? {}) };
      return body;
    },
    reset: () => createOnly.clear(),
  };
}

/**
 * DeleteUserPool refuses a pool that still has a (prefix or custom) domain:
 * "InvalidParameterException: User pool cannot be deleted. It has a domain configured that should
 * be deleted first." moto deletes it anyway. The rule learns a pool's domain from the
 * DescribeUserPool answers that pass through (and from domain calls made through the proxy).
 */
export function cognitoPoolDomainRule(): RealismRule {
  const domains = new Map<string, string>();
  return {
    id: 'cognito-pool-domain-blocks-delete',
    sources: ['https://github.com/hashicorp/terraform-provider-aws/issues/16479', 'https://github.com/rebuy-de/aws-nuke/issues/330'],
    request(call) {
      if (call.service !== 'cognito-idp' || !call.json) return undefined;
      const id = call.json.UserPoolId as string | undefined;
      if (call.action === 'DeleteUserPoolDomain' && id) domains.delete(id);
      if (call.action === 'DeleteUserPool' && id && domains.has(id)) {
        return {
          error: {
            status: 400,
            type: 'InvalidParameterException',
            message: 'User pool cannot be deleted. It has a domain configured that should be deleted first.',
          },
        };
      }
      return undefined;
    },
    response(call, body) {
      if (call.service !== 'cognito-idp' || !call.json) return undefined;
      if (call.action === 'DescribeUserPool' && body.UserPool?.Id) {
        const domain = body.UserPool.CustomDomain ?? body.UserPool.Domain;
        if (domain) domains.set(body.UserPool.Id, domain);
        else domains.delete(body.UserPool.Id);
      }
      if (call.action === 'CreateUserPoolDomain' && call.json.UserPoolId) domains.set(call.json.UserPoolId, call.json.Domain);
      return undefined;
    },
    reset: () => domains.clear(),
  };
}
