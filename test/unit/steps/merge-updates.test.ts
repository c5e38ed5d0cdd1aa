import type { UpdateUserPoolClientCommandInput, UpdateUserPoolCommandInput, UserPoolClientType, UserPoolType } from '@aws-sdk/client-cognito-identity-provider';
import { describe, expect, it } from 'vitest';
import { mergedClientUpdate } from '../../../src/steps/app-client-step.js';
import { mergedUpdate } from '../../../src/steps/user-pool-step.js';

// Every member of the update requests. Listing them as a Record makes the compiler fail when the
// SDK adds a field, so a new Cognito setting cannot silently be reset by our updates.
const CLIENT_FIELDS: Record<keyof UpdateUserPoolClientCommandInput, true> = {
  UserPoolId: true, ClientId: true, ClientName: true, RefreshTokenValidity: true, AccessTokenValidity: true, IdTokenValidity: true,
  TokenValidityUnits: true, ReadAttributes: true, WriteAttributes: true, ExplicitAuthFlows: true, SupportedIdentityProviders: true,
  CallbackURLs: true, LogoutURLs: true, DefaultRedirectURI: true, AllowedOAuthFlows: true, AllowedOAuthScopes: true,
  AllowedOAuthFlowsUserPoolClient: true, AnalyticsConfiguration: true, PreventUserExistenceErrors: true, EnableTokenRevocation: true,
  EnablePropagateAdditionalUserContextData: true, AuthSessionValidity: true, RefreshTokenRotation: true,
};

const POOL_FIELDS: Record<keyof UpdateUserPoolCommandInput, true> = {
  UserPoolId: true, Policies: true, DeletionProtection: true, LambdaConfig: true, AutoVerifiedAttributes: true,
  SmsVerificationMessage: true, EmailVerificationMessage: true, EmailVerificationSubject: true, VerificationMessageTemplate: true,
  SmsAuthenticationMessage: true, UserAttributeUpdateSettings: true, MfaConfiguration: true, DeviceConfiguration: true,
  EmailConfiguration: true, SmsConfiguration: true, UserPoolTags: true, AdminCreateUserConfig: true, UserPoolAddOns: true,
  AccountRecoverySetting: true, PoolName: true, UserPoolTier: true, DcrConfiguration: true, KeyConfiguration: true,
  IssuerConfiguration: true, AcrConfiguration: true,
};

/** A described object with every field set to a distinct marker value. */
function described<T>(fields: Record<string, true>): T {
  return Object.fromEntries(Object.keys(fields).map((k) => [k, `marker:${k}`])) as T;
}

describe('Cognito update requests carry every field (AWS resets omitted ones)', () => {
  it('UpdateUserPoolClient: our fields from the config, every other field from the described client', () => {
    const client = described<UserPoolClientType>(CLIENT_FIELDS);
    const ours = {
      ClientName: 'c', WriteAttributes: ['name' as const], HasSecret: false, ExplicitAuthFlows: ['ALLOW_CUSTOM_AUTH'], PreventUserExistenceErrors: 'ENABLED', EnableTokenRevocation: true,
      AuthSessionValidity: 3, AccessTokenValidity: 60, IdTokenValidity: 60, RefreshTokenValidity: 30, TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'days' },
    };
    const merged = mergedClientUpdate(client, ours) as unknown as Record<string, unknown>;
    for (const field of Object.keys(CLIENT_FIELDS)) {
      const expected = field in ours ? (ours as Record<string, unknown>)[field] : `marker:${field}`;
      expect(merged[field], field).toEqual(expected);
    }
  });

  it('UpdateUserPool: the described pool with our changes merged in', () => {
    const pool = described<UserPoolType>({ ...POOL_FIELDS, Id: true, Name: true });
    const merged = mergedUpdate(pool, { DeletionProtection: 'ACTIVE' }) as unknown as Record<string, unknown>;
    expect(merged.UserPoolId).toBe('marker:Id');
    expect(merged.PoolName).toBe('marker:Name');
    expect(merged.DeletionProtection).toBe('ACTIVE');
    // The legacy message fields are dropped when a template is present (AWS rejects both at once).
    const legacy = new Set(['SmsVerificationMessage', 'EmailVerificationMessage', 'EmailVerificationSubject']);
    for (const field of Object.keys(POOL_FIELDS)) {
      if (['UserPoolId', 'PoolName', 'DeletionProtection'].includes(field) || legacy.has(field)) continue;
      expect(merged[field], field).toBe(`marker:${field}`);
    }
    const withoutTemplate = mergedUpdate({ ...pool, VerificationMessageTemplate: undefined }, {}) as unknown as Record<string, unknown>;
    for (const field of legacy) expect(withoutTemplate[field], field).toBe(`marker:${field}`);
  });
});
