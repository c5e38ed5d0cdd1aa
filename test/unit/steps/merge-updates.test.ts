import type {
  UpdateUserPoolClientCommandInput,
  UpdateUserPoolCommandInput,
  UserPoolClientType,
  UserPoolType,
} from '@aws-sdk/client-cognito-identity-provider';
import { describe, expect, it } from 'vitest';
import { mergedClientUpdate } from '../../../src/steps/app-client-step.js';
import { mergedUpdate } from '../../../src/steps/user-pool-step.js';

// Every member of the update requests. Listing them as a Record makes the compiler fail when the
// SDK adds a field, so a new Cognito setting cannot silently be reset by our updates.
const CLIENT_FIELDS: Record<keyof UpdateUserPoolClientCommandInput, true> = {
  UserPoolId: true,
  ClientId: true,
  ClientName: true,
  RefreshTokenValidity: true,
  AccessTokenValidity: true,
  IdTokenValidity: true,
  TokenValidityUnits: true,
  ReadAttributes: true,
  WriteAttributes: true,
  ExplicitAuthFlows: true,
  SupportedIdentityProviders: true,
  CallbackURLs: true,
  LogoutURLs: true,
  DefaultRedirectURI: true,
  AllowedOAuthFlows: true,
  AllowedOAuthScopes: true,
  AllowedOAuthFlowsUserPoolClient: true,
  AnalyticsConfiguration: true,
  PreventUserExistenceErrors: true,
  EnableTokenRevocation: true,
  EnablePropagateAdditionalUserContextData: true,
  AuthSessionValidity: true,
  RefreshTokenRotation: true,
};

const POOL_FIELDS: Record<keyof UpdateUserPoolCommandInput, true> = {
  UserPoolId: true,
  Policies: true,
  DeletionProtection: true,
  LambdaConfig: true,
  AutoVerifiedAttributes: true,
  SmsVerificationMessage: true,
  EmailVerificationMessage: true,
  EmailVerificationSubject: true,
  VerificationMessageTemplate: true,
  SmsAuthenticationMessage: true,
  UserAttributeUpdateSettings: true,
  MfaConfiguration: true,
  DeviceConfiguration: true,
  EmailConfiguration: true,
  SmsConfiguration: true,
  UserPoolTags: true,
  AdminCreateUserConfig: true,
  UserPoolAddOns: true,
  AccountRecoverySetting: true,
  PoolName: true,
  UserPoolTier: true,
  DcrConfiguration: true,
  KeyConfiguration: true,
  IssuerConfiguration: true,
  AcrConfiguration: true,
};

/** A described object with every field set to a distinct marker value. */
function described(fields: Record<string, true>): unknown {
  return Object.fromEntries(Object.keys(fields).map((k) => [k, `marker:${k}`]));
}

describe('Cognito update requests carry every field (AWS resets omitted ones)', () => {
  it('UpdateUserPoolClient: our fields from the config, every other field from the described client', () => {
    const client = described(CLIENT_FIELDS) as UserPoolClientType;
    const ours = {
      ClientName: 'c',
      WriteAttributes: ['name' as const],
      HasSecret: false,
      ExplicitAuthFlows: ['ALLOW_CUSTOM_AUTH'],
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
      AuthSessionValidity: 3,
      AccessTokenValidity: 60,
      IdTokenValidity: 60,
      RefreshTokenValidity: 30,
      TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'days' },
    };
    const merged = mergedClientUpdate(client, ours) as unknown as Record<string, unknown>;
    for (const field of Object.keys(CLIENT_FIELDS)) {
      const expected = field in ours ? (ours as Record<string, unknown>)[field] : `marker:${field}`;
      expect(merged[field], field).toEqual(expected);
    }
  });

  it('UpdateUserPool: the described pool with our changes merged in', () => {
    const pool = described({ ...POOL_FIELDS, Id: true, Name: true }) as UserPoolType;
    const merged = mergedUpdate(pool, { DeletionProtection: 'ACTIVE' }) as unknown as Record<string, unknown>;
    expect(merged.UserPoolId).toBe('marker:Id');
    expect(merged.PoolName).toBe('marker:Name');
    expect(merged.DeletionProtection).toBe('ACTIVE');
    // The legacy message fields are dropped when a template is present (AWS rejects both at once).
    const legacy = new Set(['SmsVerificationMessage', 'EmailVerificationMessage', 'EmailVerificationSubject']);
    // What AWS fills in and refuses back is checked with a real description below.
    const refusedBack = ['AdminCreateUserConfig', 'Policies', 'DcrConfiguration', 'AcrConfiguration'];
    for (const field of Object.keys(POOL_FIELDS)) {
      if (['UserPoolId', 'PoolName', 'DeletionProtection', ...refusedBack].includes(field) || legacy.has(field)) continue;
      expect(merged[field], field).toBe(`marker:${field}`);
    }
    const withoutTemplate = mergedUpdate({ ...pool, VerificationMessageTemplate: undefined }, {}) as unknown as Record<string, unknown>;
    for (const field of legacy) expect(withoutTemplate[field], field).toBe(`marker:${field}`);
  });
});

describe('UpdateUserPool gets nothing back that AWS refuses', () => {
  // What a real DescribeUserPool answers for a pool created without these settings: AWS's own
  // CreateUserPool example returns UnusedAccountValidityDays 7 next to TemporaryPasswordValidityDays 7
  // (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPool.html#API_CreateUserPool_Examples).
  const pool: UserPoolType = {
    Id: 'us-east-1_x',
    Name: 'p',
    Policies: {
      PasswordPolicy: {
        MinimumLength: 8,
        RequireUppercase: true,
        RequireLowercase: true,
        RequireNumbers: true,
        RequireSymbols: true,
        TemporaryPasswordValidityDays: 7,
      },
    },
    AdminCreateUserConfig: { AllowAdminCreateUserOnly: false, UnusedAccountValidityDays: 7 },
    UserPoolTier: 'LITE',
    AcrConfiguration: {
      Level1: { AcrValue: 'urn:cognito:loa:1' },
      Level2: { AcrValue: 'urn:cognito:loa:2' },
      Level3: { AcrValue: 'urn:cognito:loa:3' },
      Level4: { AcrValue: 'urn:cognito:loa:4' },
    },
    DcrConfiguration: { EnableStatus: 'Disabled' },
  };

  it('drops UnusedAccountValidityDays ("Please use TemporaryPasswordValidityDays in PasswordPolicy instead")', () => {
    const merged = mergedUpdate(pool, {});
    expect(merged.AdminCreateUserConfig).toEqual({ AllowAdminCreateUserOnly: false });
    expect(merged.Policies?.PasswordPolicy?.TemporaryPasswordValidityDays).toBe(7);
  });

  it('moves a legacy UnusedAccountValidityDays into PasswordPolicy when that has no TemporaryPasswordValidityDays', () => {
    const legacy = mergedUpdate(
      {
        ...pool,
        Policies: { PasswordPolicy: { MinimumLength: 8 } },
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: false, UnusedAccountValidityDays: 3 },
      },
      {},
    );
    expect(legacy.AdminCreateUserConfig).toEqual({ AllowAdminCreateUserOnly: false });
    expect(legacy.Policies?.PasswordPolicy).toEqual({ MinimumLength: 8, TemporaryPasswordValidityDays: 3 });
  });

  it('keeps the tier, omits DCR (kept when omitted) and default ACR names, sends custom ACR names', () => {
    const merged = mergedUpdate(pool, {});
    expect(merged.UserPoolTier).toBe('LITE');
    expect(merged.DcrConfiguration).toBeUndefined();
    expect(merged.AcrConfiguration).toBeUndefined();
    const custom = mergedUpdate(
      { ...pool, UserPoolTier: 'ESSENTIALS', AcrConfiguration: { ...pool.AcrConfiguration, Level2: { AcrValue: 'urn:acme:mfa' } } },
      {},
    );
    expect(custom.AcrConfiguration).toEqual({ Level2: { AcrValue: 'urn:acme:mfa' } });
  });
});
