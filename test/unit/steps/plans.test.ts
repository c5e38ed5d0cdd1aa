import type { UserPoolClientType, UserPoolType } from '@aws-sdk/client-cognito-identity-provider';
import { describe, expect, it } from 'vitest';
import { appClientStep } from '../../../src/steps/app-client-step.js';
import { CLIENT_WRITE_ATTRIBUTES } from '../../../src/spec/app-client.js';
import { functionStep } from '../../../src/steps/function-step.js';
import { handlerEnvironment, handlerSecrets } from '../../../src/spec/handler-environment.js';
import { permissionsStep, STATEMENT_ID } from '../../../src/steps/permissions-step.js';
import { basicExecutionPolicyArn, roleInlinePolicy, roleStep } from '../../../src/steps/role-step.js';
import { sesDomainStep } from '../../../src/steps/ses-domain-step.js';
import { sesIdentityStep } from '../../../src/steps/ses-identity-step.js';
import { userPoolStep } from '../../../src/steps/user-pool-step.js';
import { planContext } from './context.js';

const absent = { status: 'absent' } as const;
const tags = { 'otp-setup:stack': 'email-otp', 'otp-setup:managed-by': 'otp-setup' };
const arn = (kind: string) => `arn:aws:lambda:us-east-1:123456789012:function:email-otp-${kind}`;

describe('role plan', () => {
  const ctx = planContext();
  const actual = {
    arn: 'arn:aws:iam::123456789012:role/EmailOTPLambdaExecutionRole',
    trustPolicy: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    },
    attached: [] as string[],
    inlinePolicy: roleInlinePolicy(ctx),
    tags: { ...tags, 'otp-setup:regions': 'us-east-1' },
  };
  it('absent → create', () => expect(roleStep.plan(ctx, absent).kind).toBe('create'));
  it('matching → noop', () => expect(roleStep.plan(ctx, { status: 'present', actual }).kind).toBe('noop'));
  it('the managed AWSLambdaBasicExecutionRole earlier versions attached (logs on every group) → update that detaches it', () => {
    const old = { ...actual, attached: [basicExecutionPolicyArn('aws')] };
    const change = roleStep.plan(ctx, { status: 'present', actual: old });
    expect(change.diffs).toEqual([{ field: 'attached', actual: [basicExecutionPolicyArn('aws')], desired: [] }]);
  });
  it("logs only to the functions' own log groups, no CreateLogGroup, nothing on *", () => {
    const policy = roleInlinePolicy(ctx) as { Statement: Array<{ Sid: string; Action: string[]; Resource: string | string[] }> };
    const logs = policy.Statement.find((s) => s.Sid === 'WriteOwnLogs')!;
    expect(logs.Action).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    expect(logs.Resource).toContain('arn:aws:logs:*:123456789012:log-group:/aws/lambda/email-otp-create-auth-challenge:*');
    expect(JSON.stringify(policy)).not.toMatch(/"logs:\*"|CreateLogGroup|"Resource":"\*"/);
  });
  it("may mark emails verified only in pools tagged as this stack's", () => {
    const policy = roleInlinePolicy(ctx) as { Statement: Array<{ Sid: string; Action: string[]; Resource: string; Condition: unknown }> };
    expect(policy.Statement.find((s) => s.Sid === 'MarkEmailVerified')).toEqual({
      Sid: 'MarkEmailVerified',
      Effect: 'Allow',
      Action: ['cognito-idp:AdminUpdateUserAttributes'],
      Resource: 'arn:aws:cognito-idp:*:123456789012:userpool/*',
      Condition: { StringEquals: { 'aws:ResourceTag/otp-setup:stack': 'email-otp' } },
    });
  });
  it('an extra policy attached by hand is not drift', () => {
    const extra = { ...actual, attached: [...actual.attached, 'arn:aws:iam::aws:policy/ReadOnlyAccess'] };
    expect(roleStep.plan(ctx, { status: 'present', actual: extra }).kind).toBe('noop');
  });
  it('the limiter table is in the policy only while rate limiting is on', () => {
    const off = roleStep.plan(planContext({ rateLimit: { enabled: false } }), { status: 'present', actual });
    expect(off.diffs.map((d) => d.field)).toEqual(['inlinePolicy']);
    expect(JSON.stringify(off.diffs[0]!.desired)).not.toContain('dynamodb');
    expect(JSON.stringify(actual.inlinePolicy)).toContain('arn:aws:dynamodb:*:123456789012:table/email-otp-rate-limits');
  });
  it("another region's up adds its region to the role's regions tag, keeping the first", () => {
    const eu = planContext({}, { region: 'eu-west-1' });
    const change = roleStep.plan(eu, { status: 'present', actual });
    expect(change.diffs).toEqual([
      expect.objectContaining({ field: 'tags', desired: expect.objectContaining({ 'otp-setup:regions': 'eu-west-1 us-east-1' }) }),
    ]);
  });
  it('inline policy for another sender → update of that field only', () => {
    const drifted = { ...actual, inlinePolicy: roleInlinePolicy(planContext({ email: { from: 'old@example.com' } })) };
    const change = roleStep.plan(ctx, { status: 'present', actual: drifted });
    expect(change.kind).toBe('update');
    expect(change.diffs.map((d) => d.field)).toEqual(['inlinePolicy']);
  });
});

describe('function plan', () => {
  const ctx = planContext();
  const step = functionStep('create-auth-challenge');
  const settings = {
    Runtime: 'nodejs22.x',
    Role: 'arn:aws:iam::123456789012:role/EmailOTPLambdaExecutionRole',
    Handler: 'index.handler',
    Timeout: 5,
    MemorySize: 256,
    Environment: handlerEnvironment('create-auth-challenge', ctx.config, handlerSecrets(ctx)),
    TracingConfig: { Mode: 'PassThrough' },
  };
  const actual = { arn: arn('create-auth-challenge'), settings, codeSha256: 'sha-create-auth-challenge', tags };
  it('absent → create', () => expect(step.plan(ctx, absent).kind).toBe('create'));
  it('same code and settings → noop', () => expect(step.plan(ctx, { status: 'present', actual }).kind).toBe('noop'));
  it('new code → update CodeSha256 only', () => {
    const change = step.plan(ctx, { status: 'present', actual: { ...actual, codeSha256: 'old' } });
    expect(change.diffs.map((d) => d.field)).toEqual(['CodeSha256']);
  });
  it('an OTP length change reaches only the create function', () => {
    const longer = planContext({ otp: { length: 8 } });
    expect(step.plan(longer, { status: 'present', actual }).diffs.map((d) => d.field)).toEqual(['Environment']);
    const define = functionStep('define-auth-challenge');
    const defineActual = {
      ...actual,
      settings: { ...settings, Environment: handlerEnvironment('define-auth-challenge', ctx.config) },
      codeSha256: 'sha-define-auth-challenge',
    };
    expect(define.plan(longer, { status: 'present', actual: defineActual }).kind).toBe('noop');
  });
  it('a different secret is drift, shown only as a fingerprint', () => {
    const rotated = { ...settings, Environment: { ...settings.Environment, OTP_HMAC_KEY: 'another-secret-value-that-is-long-enough' } };
    const change = step.plan(ctx, { status: 'present', actual: { ...actual, settings: rotated } });
    expect(change.diffs.map((d) => d.field)).toEqual(['Environment']);
    const shown = JSON.stringify(change.diffs);
    expect(shown).not.toContain(ctx.facts.newHandlerKey);
    // plan is pure: it records nothing.
    expect(ctx.state.resources.handlerKey).toBeUndefined();
    expect(shown).not.toContain('another-secret-value');
    expect(shown).toMatch(/<secret [0-9a-f]{8}>/);
  });
  it('an old runtime is drift', () => {
    const change = step.plan(ctx, { status: 'present', actual: { ...actual, settings: { ...settings, Runtime: 'nodejs18.x' } } });
    expect(change.diffs).toEqual([{ field: 'Runtime', actual: 'nodejs18.x', desired: 'nodejs22.x' }]);
  });
  it('waits for Active after apply (settle), not inside it: the user pool needs only the ARN', () => {
    expect(step.plan(ctx, absent).settle).toBeTypeOf('function');
    expect(step.plan(ctx, { status: 'present', actual: { ...actual, codeSha256: 'old' } }).settle).toBeTypeOf('function');
    // A tag-only fix leaves the function as it is: nothing to wait for.
    const retag = step.plan(ctx, { status: 'present', actual: { ...actual, tags: {} } });
    expect([retag.kind, retag.settle]).toEqual(['update', undefined]);
  });
  it('a function a stopped run left Pending or mid-update: unchanged, but settled before what operates on it', () => {
    const settled = step.plan(ctx, { status: 'present', actual: { ...actual, unready: 'create' as const } });
    expect([settled.kind, settled.apply, typeof settled.settle]).toEqual(['noop', undefined, 'function']);
    expect(step.plan(ctx, { status: 'present', actual }).settle).toBeUndefined();
  });
});

describe('SES identity plan', () => {
  const ctx = planContext();
  it('absent → create', () => expect(sesIdentityStep.plan(ctx, absent).kind).toBe('create'));
  it('pending → noop with a "check your inbox" note', () => {
    const change = sesIdentityStep.plan(ctx, { status: 'present', actual: { address: 'Pending' } });
    expect(change.kind).toBe('noop');
    expect(change.notes.join(' ')).toContain('click its link');
  });
  it('a verified domain covers the address', () => {
    expect(sesIdentityStep.plan(ctx, { status: 'present', actual: { domain: 'Success' } }).kind).toBe('noop');
  });
  it('failed verification → send a new one', () => {
    expect(sesIdentityStep.plan(ctx, { status: 'present', actual: { address: 'Failed' } }).kind).toBe('update');
  });
});

describe('SES domain (DKIM) plan', () => {
  const ctx = planContext({ email: { from: 'noreply@example.com', dkim: true } });
  it('off by default', () =>
    expect(sesDomainStep.plan(planContext(), absent)).toMatchObject({ kind: 'noop', summary: 'not requested (email.dkim is false)' }));
  it('absent → create', () => expect(sesDomainStep.plan(ctx, absent).kind).toBe('create'));
  it('pending → noop that lists the CNAME records to add', () => {
    const change = sesDomainStep.plan(ctx, {
      status: 'present',
      actual: { verification: 'Pending', dkim: 'Pending', tokens: ['tok1', 'tok2', 'tok3'] },
    });
    expect(change.kind).toBe('noop');
    expect(change.notes).toContain('  CNAME  tok1._domainkey.example.com  →  tok1.dkim.amazonses.com');
    expect(change.notes.filter((n) => n.includes('CNAME'))).toHaveLength(3);
  });
  it('verified → noop without notes', () => {
    expect(
      sesDomainStep.plan(ctx, { status: 'present', actual: { verification: 'Success', dkim: 'Success', tokens: ['t'] } }),
    ).toMatchObject({ kind: 'noop', notes: [] });
  });
  it('failed → start DKIM again', () => {
    expect(sesDomainStep.plan(ctx, { status: 'present', actual: { verification: 'Failed', dkim: 'Failed', tokens: [] } }).kind).toBe(
      'update',
    );
  });
});

function pool(overrides: Partial<UserPoolType> = {}): UserPoolType {
  return {
    Id: 'us-east-1_abc',
    Name: 'email-otp-pool',
    UsernameAttributes: ['email'],
    AutoVerifiedAttributes: ['email'],
    UserAttributeUpdateSettings: { AttributesRequireVerificationBeforeUpdate: ['email'] },
    SchemaAttributes: [{ Name: 'email', Required: true }],
    LambdaConfig: {
      DefineAuthChallenge: arn('define-auth-challenge'),
      CreateAuthChallenge: arn('create-auth-challenge'),
      VerifyAuthChallengeResponse: arn('verify-auth-challenge'),
      PreSignUp: arn('pre-sign-up'),
      PostAuthentication: arn('post-authentication'),
    },
    EmailConfiguration: {
      EmailSendingAccount: 'DEVELOPER',
      SourceArn: 'arn:aws:ses:us-east-1:123456789012:identity/noreply@example.com',
      From: 'noreply@example.com',
    },
    DeletionProtection: 'INACTIVE',
    UserPoolTags: tags,
    ...overrides,
  };
}

describe('user pool plan', () => {
  const ctx = planContext();
  it('absent → create', () => expect(userPoolStep.plan(ctx, absent).kind).toBe('create'));
  it('matching → noop; a trigger added by hand is kept and not drift', () => {
    const p = pool({ LambdaConfig: { ...pool().LambdaConfig, PostConfirmation: 'arn:x' } });
    expect(userPoolStep.plan(ctx, { status: 'present', actual: { pool: p } }).kind).toBe('noop');
  });
  it('a trigger pointing elsewhere → update', () => {
    const p = pool({ LambdaConfig: { ...pool().LambdaConfig, CreateAuthChallenge: 'arn:other' } });
    const change = userPoolStep.plan(ctx, { status: 'present', actual: { pool: p } });
    expect(change.kind).toBe('update');
    expect(change.diffs.map((d) => d.field)).toEqual(['LambdaConfig']);
  });
  it('SES not yet verified → Cognito default email until it is', () => {
    const pending = planContext({}, { facts: {} });
    const change = userPoolStep.plan(pending, { status: 'present', actual: { pool: pool() } });
    expect(change.diffs).toEqual([
      expect.objectContaining({ field: 'EmailConfiguration', desired: { EmailSendingAccount: 'COGNITO_DEFAULT' } }),
    ]);
  });
  it('a verified domain (not the address) is the SES identity Cognito must be given', () => {
    const domain = planContext({}, { facts: { sesIdentity: 'example.com' } });
    const change = userPoolStep.plan(domain, { status: 'present', actual: { pool: pool() } });
    expect(change.diffs).toEqual([
      expect.objectContaining({
        field: 'EmailConfiguration',
        desired: {
          EmailSendingAccount: 'DEVELOPER',
          SourceArn: 'arn:aws:ses:us-east-1:123456789012:identity/example.com',
          From: 'noreply@example.com',
        },
      }),
    ]);
  });
  it('DEVELOPER mode always names the sender in From, with email.fromName as its display name', () => {
    const named = planContext({ email: { from: 'noreply@example.com', fromName: 'Acme' } });
    const change = userPoolStep.plan(named, { status: 'present', actual: { pool: pool() } });
    expect(change.diffs).toEqual([
      expect.objectContaining({
        field: 'EmailConfiguration',
        actual: expect.objectContaining({ From: 'noreply@example.com' }),
        desired: expect.objectContaining({ From: '"Acme" <noreply@example.com>' }),
      }),
    ]);
  });
  it('username by phone instead of email → replace', () => {
    const change = userPoolStep.plan(ctx, { status: 'present', actual: { pool: pool({ UsernameAttributes: ['phone_number'] }) } });
    expect(change.kind).toBe('replace');
  });
  it('creates on the configured tier, LITE unless set (CreateUserPool would pick ESSENTIALS)', () => {
    expect(userPoolStep.plan(ctx, absent).summary).toBe('create email-otp-pool (email as username, custom-auth triggers, LITE tier)');
    expect(userPoolStep.plan(planContext({ userPool: { tier: 'PLUS' } }), absent).summary).toMatch(/, PLUS tier\)$/);
  });
  it('a pool on another tier → update of UserPoolTier only', () => {
    const change = userPoolStep.plan(ctx, { status: 'present', actual: { pool: pool({ UserPoolTier: 'ESSENTIALS' }) } });
    expect(change.kind).toBe('update');
    expect(change.diffs).toEqual([expect.objectContaining({ field: 'UserPoolTier', actual: 'ESSENTIALS', desired: 'LITE' })]);
    const essentials = planContext({ userPool: { tier: 'ESSENTIALS' } });
    expect(userPoolStep.plan(essentials, { status: 'present', actual: { pool: pool({ UserPoolTier: 'ESSENTIALS' }) } }).kind).toBe('noop');
  });
  it('prod stage → deletion protection', () => {
    const prod = planContext({ stage: 'prod' });
    const change = userPoolStep.plan(prod, {
      status: 'present',
      actual: {
        pool: pool({
          UserPoolTags: { ...tags, 'otp-setup:stack': 'email-otp-prod' },
          LambdaConfig: Object.fromEntries(Object.entries(pool().LambdaConfig!).map(([k, v]) => [k, `${v}-prod`])),
        }),
      },
    });
    expect(change.diffs.map((d) => d.field)).toEqual(['DeletionProtection']);
  });
});

describe('permissions plan', () => {
  const ctx = planContext();
  const statement = (sourceArn: string) => ({
    Sid: STATEMENT_ID,
    Principal: { Service: 'cognito-idp.amazonaws.com' },
    Condition: { ArnLike: { 'AWS:SourceArn': sourceArn }, StringEquals: { 'AWS:SourceAccount': '123456789012' } },
  });
  const all = (sourceArn: string) => ({
    'define-auth-challenge': statement(sourceArn),
    'create-auth-challenge': statement(sourceArn),
    'verify-auth-challenge': statement(sourceArn),
    'pre-sign-up': statement(sourceArn),
    'post-authentication': statement(sourceArn),
  });
  it('absent → create for all five functions', () => {
    const change = permissionsStep.plan(ctx, absent);
    expect(change.kind).toBe('create');
    expect(change.diffs).toHaveLength(5);
  });
  it('scoped to the pool and account → noop', () => {
    expect(permissionsStep.plan(ctx, { status: 'present', actual: all(ctx.facts.userPoolArn!) }).kind).toBe('noop');
  });
  it('scoped to a replaced pool → update', () => {
    const change = permissionsStep.plan(ctx, {
      status: 'present',
      actual: all('arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_old'),
    });
    expect(change.kind).toBe('update');
    expect(change.diffs).toHaveLength(5);
  });
});

function client(overrides: Partial<UserPoolClientType> = {}): UserPoolClientType {
  return {
    UserPoolId: 'us-east-1_abc',
    ClientId: 'client1',
    ClientName: 'email-otp-client',
    WriteAttributes: [...CLIENT_WRITE_ATTRIBUTES].reverse(),
    ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_CUSTOM_AUTH'],
    PreventUserExistenceErrors: 'ENABLED',
    EnableTokenRevocation: true,
    AuthSessionValidity: 3,
    AccessTokenValidity: 60,
    IdTokenValidity: 60,
    RefreshTokenValidity: 30,
    TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'days' },
    ...overrides,
  };
}

describe('app client plan', () => {
  const ctx = planContext({}, { state: { ...planContext().state, resources: { userPoolId: 'us-east-1_abc' } } });
  it('absent → create', () => expect(appClientStep.plan(ctx, absent).kind).toBe('create'));
  it('the guide settings in any flow order → noop', () =>
    expect(appClientStep.plan(ctx, { status: 'present', actual: { client: client() } }).kind).toBe('noop'));
  it('SRP enabled by hand → update', () => {
    const change = appClientStep.plan(ctx, {
      status: 'present',
      actual: { client: client({ ExplicitAuthFlows: ['ALLOW_CUSTOM_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH'] }) },
    });
    expect(change.kind).toBe('update');
    expect(change.diffs.map((d) => d.field)).toEqual(['ExplicitAuthFlows']);
  });
  it('a client that may write phone_number (or every attribute, when unset) → update WriteAttributes', () => {
    for (const WriteAttributes of [undefined, [...CLIENT_WRITE_ATTRIBUTES, 'phone_number']]) {
      const change = appClientStep.plan(ctx, { status: 'present', actual: { client: client({ WriteAttributes }) } });
      expect(change.diffs.map((d) => d.field)).toEqual(['WriteAttributes']);
    }
  });
  it('a pool that applies email changes unverified → update', () => {
    const change = userPoolStep.plan(ctx, { status: 'present', actual: { pool: pool({ UserAttributeUpdateSettings: undefined }) } });
    expect(change.kind).toBe('update');
    expect(change.diffs.map((d) => d.field)).toEqual(['UserAttributeUpdateSettings']);
  });
  it('a client secret → replace (it cannot be removed in place)', () => {
    expect(appClientStep.plan(ctx, { status: 'present', actual: { client: client({ ClientSecret: 's' }) } }).kind).toBe('replace');
  });
});
