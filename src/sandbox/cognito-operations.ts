import { desiredClient } from '../steps/app-client-step.js';
import { CognitoError, invalidParameter, notAuthorized, resourceNotFound } from './cognito-error.js';
import { initiateCustomAuth, respondToCustomChallenge, tokenValidity, type AuthResponse } from './custom-auth.js';
import { tokenHash } from './ids.js';
import type { PoolContext } from './pool-context.js';
import type { SandboxUser } from './sandbox-store.js';
import { issueTokens } from './tokens.js';
import { callTrigger } from './trigger-calls.js';
import { attributeList, findUser, newUser, parseAttributes, requireUser, userSummary } from './user-directory.js';

type Input = Record<string, unknown>;
type Operation = (ctx: PoolContext, input: Input) => Promise<Record<string, unknown>>;

const str = (input: Input, field: string): string | undefined => (typeof input[field] === 'string' ? (input[field] as string) : undefined);

function required(input: Input, field: string): string {
  const value = str(input, field);
  if (value === undefined || value === '') {
    throw invalidParameter(`1 validation error detected: Value at '${field[0]!.toLowerCase()}${field.slice(1)}' failed to satisfy constraint: Member must not be null`);
  }
  return value;
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof value !== 'object' || value === null) return out;
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

function checkClient(ctx: PoolContext, clientId: string): void {
  if (clientId !== ctx.store.state.clientId) throw resourceNotFound(`User pool client ${clientId} does not exist.`);
}

function checkPool(ctx: PoolContext, input: Input): void {
  const id = required(input, 'UserPoolId');
  if (id !== ctx.store.state.userPoolId) throw resourceNotFound(`User pool ${id} does not exist.`);
}

/** Reads an access token the way Cognito's user APIs do, with Cognito's error messages. */
function userFromAccessToken(ctx: PoolContext, token: string): { user: SandboxUser; claims: Record<string, unknown> } {
  const claims = ctx.key.readJwt(token);
  if (!claims || claims.token_use !== 'access' || claims.iss !== ctx.issuer) throw notAuthorized('Invalid Access Token');
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= ctx.now()) throw notAuthorized('Access Token has expired');
  if (typeof claims.origin_jti === 'string' && ctx.store.state.revokedOrigins[claims.origin_jti] !== undefined) {
    throw notAuthorized('Access Token has been revoked');
  }
  const user = typeof claims.username === 'string' ? ctx.store.state.users[claims.username] : undefined;
  if (!user) throw notAuthorized('User does not exist.');
  return { user, claims };
}

function revokeOrigin(ctx: PoolContext, originJti: string): void {
  const v = tokenValidity(ctx);
  const longest = Math.max(v.accessSeconds, v.idSeconds, v.refreshSeconds) * 1000;
  ctx.store.state.revokedOrigins[originJti] = ctx.now() + longest;
}

const initiateAuth: Operation = async (ctx, input) => {
  const clientId = required(input, 'ClientId');
  const flow = required(input, 'AuthFlow');
  checkClient(ctx, clientId);
  const params = stringMap(input.AuthParameters);
  if (flow === 'CUSTOM_AUTH') {
    const username = params.USERNAME;
    if (!username) throw invalidParameter('Missing required parameter USERNAME');
    return initiateCustomAuth(ctx, clientId, username) as Promise<AuthResponse & Record<string, unknown>>;
  }
  if (flow === 'REFRESH_TOKEN_AUTH' || flow === 'REFRESH_TOKEN') {
    const token = params.REFRESH_TOKEN;
    if (!token) throw invalidParameter('Missing required parameter REFRESH_TOKEN');
    const record = ctx.store.state.refreshTokens[tokenHash(token)];
    if (!record || record.clientId !== clientId) throw notAuthorized('Invalid Refresh Token');
    if (ctx.store.state.revokedOrigins[record.originJti] !== undefined) throw notAuthorized('Refresh Token has been revoked');
    if (record.expiresAt <= ctx.now()) throw notAuthorized('Refresh Token has expired');
    const user = ctx.store.state.users[record.username];
    if (!user) throw notAuthorized('User does not exist.');
    if (!user.enabled) throw notAuthorized('User is disabled.');
    const tokens = issueTokens(ctx.key, tokenValidity(ctx), {
      issuer: ctx.issuer,
      clientId,
      user,
      authTime: record.authTime,
      originJti: record.originJti,
      nowMs: ctx.now(),
    });
    return { AuthenticationResult: tokens, ChallengeParameters: {} };
  }
  if (['USER_SRP_AUTH', 'USER_PASSWORD_AUTH', 'USER_AUTH', 'ADMIN_USER_PASSWORD_AUTH', 'ADMIN_NO_SRP_AUTH'].includes(flow)) {
    throw invalidParameter(`${flow} flow not enabled for this client`);
  }
  throw invalidParameter(`1 validation error detected: Value '${flow}' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set`);
};

const respondToAuthChallenge: Operation = async (ctx, input) => {
  const clientId = required(input, 'ClientId');
  const challengeName = required(input, 'ChallengeName');
  checkClient(ctx, clientId);
  const session = str(input, 'Session');
  if (!session) throw invalidParameter('Missing required parameter Session');
  return respondToCustomChallenge(ctx, clientId, session, challengeName, stringMap(input.ChallengeResponses)) as Promise<AuthResponse & Record<string, unknown>>;
};

const signUp: Operation = async (ctx, input) => {
  const clientId = required(input, 'ClientId');
  checkClient(ctx, clientId);
  const username = required(input, 'Username');
  // Custom-auth pools still require a password on SignUp (pitfall 11); any value will do here.
  required(input, 'Password');
  const attributes = parseAttributes(input.UserAttributes);
  const user = newUser(ctx, username, attributes, 'UNCONFIRMED');
  if (ctx.triggers.has('pre-sign-up')) {
    const answer = await callTrigger(
      ctx,
      'pre-sign-up',
      'PreSignUp_SignUp',
      user.username,
      { userAttributes: { ...user.attributes }, validationData: stringMap(input.ValidationData), clientMetadata: stringMap(input.ClientMetadata) },
      { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false },
    );
    if (answer.autoConfirmUser === true) user.status = 'CONFIRMED';
    if (answer.autoVerifyEmail === true) user.attributes.email_verified = 'true';
  }
  // The trigger ran concurrently with nothing holding the name: check again before committing.
  if (findUser(ctx, user.attributes.email!)) throw new CognitoError('UsernameExistsException', 'An account with the given email already exists.');
  ctx.store.state.users[user.username] = user;
  await ctx.store.save();
  return {
    UserConfirmed: user.status === 'CONFIRMED',
    UserSub: user.username,
    ...(user.status === 'CONFIRMED' ? {} : { CodeDeliveryDetails: { AttributeName: 'email', DeliveryMedium: 'EMAIL', Destination: maskedDestination(user.attributes.email!) } }),
  };
};

function maskedDestination(email: string): string {
  const [local = '', domain = ''] = email.split('@');
  return `${local.slice(0, 1)}***@${domain.slice(0, 1)}***`;
}

const getUser: Operation = async (ctx, input) => {
  const { user } = userFromAccessToken(ctx, required(input, 'AccessToken'));
  return { Username: user.username, UserAttributes: attributeList(user) };
};

const globalSignOut: Operation = async (ctx, input) => {
  const { user } = userFromAccessToken(ctx, required(input, 'AccessToken'));
  signOutEverywhere(ctx, user);
  await ctx.store.save();
  return {};
};

/** Every sign-in of the user has a refresh record until it expires: revoke each one's origin. */
function signOutEverywhere(ctx: PoolContext, user: SandboxUser): void {
  const origins = Object.values(ctx.store.state.refreshTokens)
    .filter((r) => r.username === user.username && ctx.store.state.revokedOrigins[r.originJti] === undefined)
    .map((r) => r.originJti);
  for (const origin of new Set(origins)) revokeOrigin(ctx, origin);
}

const revokeToken: Operation = async (ctx, input) => {
  const token = required(input, 'Token');
  const clientId = required(input, 'ClientId');
  checkClient(ctx, clientId);
  const record = ctx.store.state.refreshTokens[tokenHash(token)];
  if (record && record.clientId !== clientId) throw new CognitoError('UnauthorizedException', 'Token is not issued to this client.');
  // Revoking also ends the access and ID tokens minted from the same sign-in (same origin_jti).
  if (record) {
    revokeOrigin(ctx, record.originJti);
    await ctx.store.save();
  }
  return {};
};

const adminCreateUser: Operation = async (ctx, input) => {
  checkPool(ctx, input);
  const username = required(input, 'Username');
  const attributes = parseAttributes(input.UserAttributes);
  const action = str(input, 'MessageAction');
  if (action === 'RESEND') {
    const existing = requireUser(ctx, username);
    return { User: userSummary(existing) };
  }
  const user = newUser(ctx, username, attributes, 'FORCE_CHANGE_PASSWORD');
  if (ctx.triggers.has('pre-sign-up')) {
    await callTrigger(
      ctx,
      'pre-sign-up',
      'PreSignUp_AdminCreateUser',
      user.username,
      { userAttributes: { ...user.attributes }, validationData: stringMap(input.ValidationData), clientMetadata: stringMap(input.ClientMetadata) },
      { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false },
    );
  }
  if (findUser(ctx, user.attributes.email!)) throw new CognitoError('UsernameExistsException', 'An account with the given email already exists.');
  ctx.store.state.users[user.username] = user;
  await ctx.store.save();
  return { User: userSummary(user) };
};

const adminSetUserPassword: Operation = async (ctx, input) => {
  checkPool(ctx, input);
  const user = requireUser(ctx, required(input, 'Username'));
  required(input, 'Password');
  user.status = input.Permanent === true ? 'CONFIRMED' : 'FORCE_CHANGE_PASSWORD';
  user.updatedAt = ctx.now();
  await ctx.store.save();
  return {};
};

const adminGetUser: Operation = async (ctx, input) => {
  checkPool(ctx, input);
  const user = requireUser(ctx, required(input, 'Username'));
  const { Attributes, ...rest } = userSummary(user);
  return { ...rest, UserAttributes: Attributes };
};

const adminDeleteUser: Operation = async (ctx, input) => {
  checkPool(ctx, input);
  const user = requireUser(ctx, required(input, 'Username'));
  signOutEverywhere(ctx, user);
  delete ctx.store.state.users[user.username];
  await ctx.store.save();
  return {};
};

const adminUserGlobalSignOut: Operation = async (ctx, input) => {
  checkPool(ctx, input);
  signOutEverywhere(ctx, requireUser(ctx, required(input, 'Username')));
  await ctx.store.save();
  return {};
};

/**
 * Only what the post-authentication trigger sends (email_verified after the first correct code):
 * anything else is refused, so this unauthenticated local endpoint cannot rewrite an address.
 */
const adminUpdateUserAttributes: Operation = async (ctx, input) => {
  checkPool(ctx, input);
  const user = requireUser(ctx, required(input, 'Username'));
  const list = Array.isArray(input.UserAttributes) ? (input.UserAttributes as unknown[]) : [];
  for (const item of list) {
    const { Name, Value } = (item ?? {}) as { Name?: unknown; Value?: unknown };
    if (Name !== 'email_verified' || (Value !== 'true' && Value !== 'false')) {
      throw invalidParameter('The sandbox implements AdminUpdateUserAttributes for email_verified only.');
    }
    user.attributes.email_verified = Value;
  }
  user.updatedAt = ctx.now();
  await ctx.store.save();
  return {};
};

// ListUsers filters: `attr = "v"` (exact) and `attr ^= "v"` (prefix), as Cognito documents.
const FILTER = /^\s*([\w:]+)\s*(=|\^=)\s*"((?:[^"\\]|\\.)*)"\s*$/;

const listUsers: Operation = async (ctx, input) => {
  checkPool(ctx, input);
  let users = Object.values(ctx.store.state.users).sort((a, b) => a.createdAt - b.createdAt || a.username.localeCompare(b.username));
  const filter = str(input, 'Filter');
  if (filter) {
    const m = FILTER.exec(filter);
    if (!m) throw invalidParameter('Error while parsing filter.');
    const [, attr, op, value] = m as unknown as [string, string, string, string];
    const read = (u: SandboxUser) => (attr === 'username' ? u.username : attr === 'status' ? (u.enabled ? 'Enabled' : 'Disabled') : attr === 'cognito:user_status' ? u.status : u.attributes[attr]);
    users = users.filter((u) => {
      const v = read(u);
      return v !== undefined && (op === '=' ? v === value : v.startsWith(value));
    });
  }
  const limit = typeof input.Limit === 'number' ? Math.min(Math.max(1, input.Limit), 60) : 60;
  const start = str(input, 'PaginationToken') ? Number(Buffer.from(str(input, 'PaginationToken')!, 'base64url').toString('utf8')) : 0;
  if (!Number.isInteger(start) || start < 0) throw invalidParameter('Invalid pagination token.');
  const page = users.slice(start, start + limit);
  const next = start + limit < users.length ? Buffer.from(String(start + limit)).toString('base64url') : undefined;
  return { Users: page.map(userSummary), ...(next ? { PaginationToken: next } : {}) };
};

const describeUserPool: Operation = async (ctx, input) => {
  checkPool(ctx, input);
  const s = ctx.store.state;
  const arn = (fn: string) => `arn:aws:lambda:${ctx.region}:000000000000:function:${fn}`;
  const lambda: Record<string, string> = {};
  const names: Array<[string, 'define-auth-challenge' | 'create-auth-challenge' | 'verify-auth-challenge' | 'pre-sign-up']> = [
    ['DefineAuthChallenge', 'define-auth-challenge'],
    ['CreateAuthChallenge', 'create-auth-challenge'],
    ['VerifyAuthChallengeResponse', 'verify-auth-challenge'],
    ['PreSignUp', 'pre-sign-up'],
  ];
  for (const [field, kind] of names) if (ctx.triggers.has(kind)) lambda[field] = arn(`${ctx.config.name}-${kind}`);
  return {
    UserPool: {
      Id: s.userPoolId,
      Name: ctx.poolName,
      Arn: `arn:aws:cognito-idp:${ctx.region}:000000000000:userpool/${s.userPoolId}`,
      LambdaConfig: lambda,
      UsernameAttributes: ['email'],
      UsernameConfiguration: { CaseSensitive: false },
      AutoVerifiedAttributes: ['email'],
      MfaConfiguration: 'OFF',
      DeletionProtection: 'INACTIVE',
      EstimatedNumberOfUsers: Object.keys(s.users).length,
      SchemaAttributes: [
        { Name: 'sub', AttributeDataType: 'String', Mutable: false, Required: true },
        { Name: 'email', AttributeDataType: 'String', Mutable: true, Required: true },
        { Name: 'name', AttributeDataType: 'String', Mutable: true, Required: false },
      ],
    },
  };
};

const describeUserPoolClient: Operation = async (ctx, input) => {
  checkPool(ctx, input);
  const clientId = required(input, 'ClientId');
  checkClient(ctx, clientId);
  const { HasSecret: _noSecret, ...settings } = desiredClient(ctx.config, ctx.clientName);
  return { UserPoolClient: { UserPoolId: ctx.store.state.userPoolId, ClientId: clientId, ...settings } };
};

export const OPERATIONS: Readonly<Record<string, Operation>> = {
  InitiateAuth: initiateAuth,
  RespondToAuthChallenge: respondToAuthChallenge,
  SignUp: signUp,
  GetUser: getUser,
  GlobalSignOut: globalSignOut,
  RevokeToken: revokeToken,
  AdminCreateUser: adminCreateUser,
  AdminSetUserPassword: adminSetUserPassword,
  AdminGetUser: adminGetUser,
  AdminUpdateUserAttributes: adminUpdateUserAttributes,
  AdminDeleteUser: adminDeleteUser,
  AdminUserGlobalSignOut: adminUserGlobalSignOut,
  ListUsers: listUsers,
  DescribeUserPool: describeUserPool,
  DescribeUserPoolClient: describeUserPoolClient,
};

export function unknownOperation(name: string): CognitoError {
  return new CognitoError('UnknownOperationException', `The sandbox does not implement ${name}.`);
}
