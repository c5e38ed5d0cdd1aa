import { createHash, randomInt } from 'node:crypto';
import { FUNCTION_KINDS, type FunctionKind } from '../config/function-kinds.js';
import { desiredClient } from '../spec/app-client.js';
import { clientSettings } from './client-settings.js';
import { CognitoError, invalidParameter, notAuthorized, resourceNotFound } from './cognito-error.js';
import { initiateCustomAuth, readableAttributes, respondToCustomChallenge, tokenValidity } from './custom-auth.js';
import { newUuid, tokenHash } from './ids.js';
import { checkPassword } from './password-policy.js';
import type { PoolContext } from './pool-context.js';
import type { SandboxUser } from './sandbox-store.js';
import { issueTokens, newRefreshToken, type IssuedTokens } from './tokens.js';
import { callTrigger, triggerName } from './trigger-calls.js';
import { EMAIL_PATTERN } from '../config/patterns.js';
import {
  attributeList,
  checkClientWritable,
  findUser,
  newUser,
  parseAttributes,
  requireUser,
  STANDARD_ATTRIBUTES,
  userSummary,
} from './user-directory.js';

/** The triggers DescribeUserPool may list: the ones `up` deploys, and PostAuthentication when configured. */
const TRIGGER_KINDS: readonly string[] = [...FUNCTION_KINDS, 'post-authentication'];

type Input = Record<string, unknown>;
type Operation = (ctx: PoolContext, input: Input) => Promise<Record<string, unknown>>;

const str = (input: Input, field: string): string | undefined => (typeof input[field] === 'string' ? input[field] : undefined);

const member = (field: string) => `${field[0]!.toLowerCase()}${field.slice(1)}`;

function required(input: Input, field: string): string {
  const value = input[field];
  if (value === undefined || value === null || value === '') {
    throw invalidParameter(
      `1 validation error detected: Value null at '${member(field)}' failed to satisfy constraint: Member must not be null`,
    );
  }
  // The JSON protocol refuses a member of the wrong type before any validation.
  if (typeof value !== 'string')
    throw new CognitoError(
      'SerializationException',
      `Expected a string for ${field}, got ${Array.isArray(value) ? 'a list' : typeof value}.`,
    );
  return value;
}

/** The API model's TokenModelType (access and refresh tokens): `[A-Za-z0-9-_=.]+`. */
function token(input: Input, field: string): string {
  const value = required(input, field);
  if (!/^[A-Za-z0-9\-_=.]+$/.test(value)) {
    throw invalidParameter(
      `1 validation error detected: Value at '${member(field)}' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9-_=.]+`,
    );
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
function userFromAccessToken(ctx: PoolContext, input: Input): { user: SandboxUser; claims: Record<string, unknown> } {
  const claims = ctx.key.readJwt(token(input, 'AccessToken'));
  if (!claims || claims.token_use !== 'access' || typeof claims.iss !== 'string' || !ctx.acceptsIssuer(claims.iss))
    throw notAuthorized('Invalid Access Token');
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
  ctx.store.revokeOrigin(originJti, ctx.now() + longest);
}

/**
 * New ID and access tokens for a refresh token, as REFRESH_TOKEN_AUTH and
 * GetTokensFromRefreshToken give them: same auth_time and origin_jti as the sign-in. With
 * refresh-token rotation on (the app client's RefreshTokenRotation), also a new refresh token;
 * the old one keeps working for RetryGracePeriodSeconds, then is refused as reused.
 * https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_RefreshTokenRotationType.html
 */
function refreshedTokens(
  ctx: PoolContext,
  clientId: string,
  refreshToken: string,
  rotate: boolean,
): IssuedTokens & { RefreshToken?: string } {
  const key = tokenHash(refreshToken);
  const record = ctx.store.state.refreshTokens[key];
  if (!record || record.clientId !== clientId) throw notAuthorized('Invalid Refresh Token');
  if (ctx.store.state.revokedOrigins[record.originJti] !== undefined) throw notAuthorized('Refresh Token has been revoked');
  if (record.expiresAt <= ctx.now()) throw notAuthorized('Refresh Token has expired');
  if (record.replacedUntil !== undefined && record.replacedUntil <= ctx.now()) {
    throw new CognitoError('RefreshTokenReuseException', 'Refresh token has been invalidated by refresh token rotation.');
  }
  const user = ctx.store.state.users[record.username];
  if (!user) throw notAuthorized('User does not exist.');
  if (!user.enabled) throw notAuthorized('User is disabled.');
  const nowMs = ctx.now();
  const tokens = issueTokens(ctx.key, tokenValidity(ctx), {
    issuer: ctx.issuer,
    clientId,
    user,
    authTime: record.authTime,
    originJti: record.originJti,
    nowMs,
    ...readableAttributes(ctx),
  });
  if (!rotate) return tokens;
  const grace = clientSettings(ctx).RefreshTokenRotation?.RetryGracePeriodSeconds ?? 0;
  if (record.replacedUntil === undefined) ctx.store.putRefresh(key, { ...record, replacedUntil: nowMs + grace * 1000 });
  const next = newRefreshToken();
  const { replacedUntil: _rotatedAway, ...family } = record;
  ctx.store.putRefresh(tokenHash(next), { ...family, createdAt: nowMs, expiresAt: nowMs + tokenValidity(ctx).refreshSeconds * 1000 });
  return { ...tokens, RefreshToken: next };
}

const rotationEnabled = (ctx: PoolContext) => clientSettings(ctx).RefreshTokenRotation?.Feature === 'ENABLED';

const initiateAuth: Operation = async (ctx, input) => {
  const clientId = required(input, 'ClientId');
  const flow = required(input, 'AuthFlow');
  checkClient(ctx, clientId);
  const params = stringMap(input.AuthParameters);
  if (flow === 'CUSTOM_AUTH') {
    const username = params.USERNAME;
    if (!username) throw invalidParameter('Missing required parameter USERNAME');
    return initiateCustomAuth(ctx, clientId, username);
  }
  if (flow === 'REFRESH_TOKEN_AUTH' || flow === 'REFRESH_TOKEN') {
    const refresh = params.REFRESH_TOKEN;
    if (!refresh) throw invalidParameter('Missing required parameter REFRESH_TOKEN');
    // With rotation on, refreshing goes through GetTokensFromRefreshToken only.
    if (rotationEnabled(ctx)) throw invalidParameter('Refresh token rotation is enabled for this client; use GetTokensFromRefreshToken.');
    return { AuthenticationResult: refreshedTokens(ctx, clientId, refresh, false), ChallengeParameters: {} };
  }
  if (['USER_SRP_AUTH', 'USER_PASSWORD_AUTH', 'USER_AUTH', 'ADMIN_USER_PASSWORD_AUTH', 'ADMIN_NO_SRP_AUTH'].includes(flow)) {
    throw invalidParameter(`${flow} flow not enabled for this client`);
  }
  throw invalidParameter(
    `1 validation error detected: Value '${flow}' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set`,
  );
};

const respondToAuthChallenge: Operation = async (ctx, input) => {
  const clientId = required(input, 'ClientId');
  const challengeName = required(input, 'ChallengeName');
  checkClient(ctx, clientId);
  const session = str(input, 'Session');
  if (!session) throw invalidParameter('Missing required parameter Session');
  // The API model's SessionType: 20 to 2048 characters.
  if (session.length < 20 || session.length > 2048) {
    const bound = session.length < 20 ? 'greater than or equal to 20' : 'less than or equal to 2048';
    throw invalidParameter(
      `1 validation error detected: Value at 'session' failed to satisfy constraint: Member must have length ${bound}`,
    );
  }
  return respondToCustomChallenge(ctx, clientId, session, challengeName, stringMap(input.ChallengeResponses));
};

const signUp: Operation = async (ctx, input) => {
  const clientId = required(input, 'ClientId');
  checkClient(ctx, clientId);
  const username = required(input, 'Username');
  // SignUp requires a password unless Cognito's native passwordless sign-in is on, which custom
  // auth is not ("Passwords at sign-up",
  // https://docs.aws.amazon.com/cognito/latest/developerguide/signing-up-users-in-your-app.html),
  // and it must meet the pool's password policy even though nobody ever signs in with it.
  checkPassword(required(input, 'Password'));
  const attributes = parseAttributes(input.UserAttributes);
  checkClientWritable(attributes, clientSettings(ctx).WriteAttributes);
  const user = newUser(ctx, username, attributes, 'UNCONFIRMED');
  if (ctx.triggers.has('pre-sign-up')) {
    const answer = await callTrigger(
      ctx,
      'pre-sign-up',
      'PreSignUp_SignUp',
      user.username,
      {
        userAttributes: { ...user.attributes },
        validationData: stringMap(input.ValidationData),
        clientMetadata: stringMap(input.ClientMetadata),
      },
      { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false },
    );
    if (answer.autoConfirmUser === true) user.status = 'CONFIRMED';
    if (answer.autoVerifyEmail === true) user.attributes.email_verified = 'true';
  }
  // The trigger ran concurrently with nothing holding the name: check again before committing.
  if (findUser(ctx, user.attributes.email!))
    throw new CognitoError('UsernameExistsException', 'An account with the given email already exists.');
  ctx.store.putUser(user);
  await ctx.store.durable();
  return {
    UserConfirmed: user.status === 'CONFIRMED',
    UserSub: user.username,
    ...(user.status === 'CONFIRMED'
      ? {}
      : {
          CodeDeliveryDetails: { AttributeName: 'email', DeliveryMedium: 'EMAIL', Destination: maskedDestination(user.attributes.email!) },
        }),
  };
};

function maskedDestination(email: string): string {
  const [local = '', domain = ''] = email.split('@');
  return `${local.slice(0, 1)}***@${domain.slice(0, 1)}***`;
}

const getUser: Operation = async (ctx, input) => {
  const { user } = userFromAccessToken(ctx, input);
  const read = clientSettings(ctx).ReadAttributes;
  return { Username: user.username, UserAttributes: attributeList(user).filter((a) => !read || a.Name === 'sub' || read.includes(a.Name)) };
};

const getTokensFromRefreshToken: Operation = async (ctx, input) => {
  const refresh = token(input, 'RefreshToken');
  const clientId = required(input, 'ClientId');
  checkClient(ctx, clientId);
  return { AuthenticationResult: refreshedTokens(ctx, clientId, refresh, rotationEnabled(ctx)) };
};

const globalSignOut: Operation = async (ctx, input) => {
  const { user } = userFromAccessToken(ctx, input);
  signOutEverywhere(ctx, user);
  return {};
};

/** Every sign-in of the user has a refresh record until it expires: revoke each one's origin. */
function signOutEverywhere(ctx: PoolContext, user: SandboxUser): void {
  const origins = ctx.store
    .refreshKeysOf(user.username)
    .map((k) => ctx.store.state.refreshTokens[k]!)
    .filter((r) => r && ctx.store.state.revokedOrigins[r.originJti] === undefined)
    .map((r) => r.originJti);
  for (const origin of new Set(origins)) revokeOrigin(ctx, origin);
}

const revokeToken: Operation = async (ctx, input) => {
  const refresh = token(input, 'Token');
  const clientId = required(input, 'ClientId');
  checkClient(ctx, clientId);
  const record = ctx.store.state.refreshTokens[tokenHash(refresh)];
  if (record && record.clientId !== clientId) throw new CognitoError('UnauthorizedException', 'Token is not issued to this client.');
  // Revoking also ends the access and ID tokens minted from the same sign-in (same origin_jti).
  if (record) revokeOrigin(ctx, record.originJti);
  return {};
};

const deleteUser: Operation = async (ctx, input) => {
  const { user } = userFromAccessToken(ctx, input);
  signOutEverywhere(ctx, user);
  ctx.store.removeUser(user.username);
  await ctx.store.durable();
  return {};
};

// Cognito's attribute verification codes: 6 digits, valid for 24 hours.
// https://docs.aws.amazon.com/cognito/latest/developerguide/signing-up-users-in-your-app.html
const VERIFICATION_CODE_MS = 24 * 3_600_000;
const codeHash = (code: string) => createHash('sha256').update(code).digest('base64url');

function maskedDelivery(email: string) {
  return { Destination: maskedDestination(email), DeliveryMedium: 'EMAIL', AttributeName: 'email' };
}

/** Emails a verification code for the user's address, as the pool's own messages do. */
function sendVerificationCode(ctx: PoolContext, user: SandboxUser): SandboxUser {
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const email = user.attributes.email!;
  ctx.deliverMail({
    to: email,
    from: ctx.config.email.from,
    subject: 'Your verification code',
    text: `Your verification code is ${code}. `,
    html: `<p>Your verification code is <strong>${code}</strong>.</p>`,
    code,
    messageId: `${newUuid()}-sandbox`,
    at: new Date(ctx.now()).toISOString(),
  });
  return { ...user, pendingVerification: { attribute: 'email', codeHash: codeHash(code), expiresAt: ctx.now() + VERIFICATION_CODE_MS } };
}

const updateUserAttributes: Operation = async (ctx, input) => {
  const { user } = userFromAccessToken(ctx, input);
  const attributes = parseAttributes(input.UserAttributes);
  if (Object.keys(attributes).length === 0)
    throw invalidParameter(
      "1 validation error detected: Value null at 'userAttributes' failed to satisfy constraint: Member must not be null",
    );
  checkClientWritable(attributes, clientSettings(ctx).WriteAttributes);
  let next: SandboxUser = { ...user, attributes: { ...user.attributes }, updatedAt: ctx.now() };
  let delivery: ReturnType<typeof maskedDelivery> | undefined;
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'email') {
      const email = value.trim();
      if (!EMAIL_PATTERN.test(email)) throw invalidParameter('Invalid email address format.');
      const other = findUser(ctx, email);
      if (other && other.username !== user.username)
        throw new CognitoError('AliasExistsException', 'An account with the given email already exists.');
      if (email.toLowerCase() === (user.attributes.email ?? '').toLowerCase()) continue;
      // The pool auto-verifies email: a new address is unverified until its code is confirmed.
      next.attributes.email = email;
      next.attributes.email_verified = 'false';
      next = sendVerificationCode(ctx, next);
      delivery = maskedDelivery(email);
    } else {
      next.attributes[name] = value;
    }
  }
  ctx.store.putUser(next);
  await ctx.store.durable();
  return { CodeDeliveryDetailsList: delivery ? [delivery] : [] };
};

const deleteUserAttributes: Operation = async (ctx, input) => {
  const { user } = userFromAccessToken(ctx, input);
  const names = input.UserAttributeNames;
  if (!Array.isArray(names) || names.some((n) => typeof n !== 'string'))
    throw invalidParameter(
      "1 validation error detected: Value null at 'userAttributeNames' failed to satisfy constraint: Member must not be null",
    );
  checkClientWritable(Object.fromEntries((names as string[]).map((n) => [n, ''])), clientSettings(ctx).WriteAttributes);
  if ((names as string[]).includes('email')) throw invalidParameter('Cannot delete a required attribute: email');
  const attributes = { ...user.attributes };
  for (const n of names as string[]) delete attributes[n];
  ctx.store.putUser({ ...user, attributes, updatedAt: ctx.now() });
  await ctx.store.durable();
  return {};
};

const getUserAttributeVerificationCode: Operation = async (ctx, input) => {
  const { user } = userFromAccessToken(ctx, input);
  const attribute = required(input, 'AttributeName');
  if (attribute !== 'email') throw invalidParameter(`Auto verification not turned on for attribute ${attribute}.`);
  ctx.store.putUser(sendVerificationCode(ctx, user));
  await ctx.store.durable();
  return { CodeDeliveryDetails: maskedDelivery(user.attributes.email!) };
};

const verifyUserAttribute: Operation = async (ctx, input) => {
  const { user } = userFromAccessToken(ctx, input);
  const attribute = required(input, 'AttributeName');
  const code = required(input, 'Code');
  const pending = user.pendingVerification;
  if (!pending || pending.attribute !== attribute || pending.codeHash !== codeHash(code)) {
    throw new CognitoError('CodeMismatchException', 'Invalid verification code provided, please try again.');
  }
  if (pending.expiresAt <= ctx.now()) throw new CognitoError('ExpiredCodeException', 'Invalid code provided, please request a code again.');
  const { pendingVerification: _done, ...rest } = user;
  ctx.store.putUser({ ...rest, attributes: { ...user.attributes, [`${attribute}_verified`]: 'true' }, updatedAt: ctx.now() });
  await ctx.store.durable();
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
      {
        userAttributes: { ...user.attributes },
        validationData: stringMap(input.ValidationData),
        clientMetadata: stringMap(input.ClientMetadata),
      },
      { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false },
    );
  }
  if (findUser(ctx, user.attributes.email!))
    throw new CognitoError('UsernameExistsException', 'An account with the given email already exists.');
  ctx.store.putUser(user);
  await ctx.store.durable();
  return { User: userSummary(user) };
};

const adminSetUserPassword: Operation = async (ctx, input) => {
  checkPool(ctx, input);
  const user = requireUser(ctx, required(input, 'Username'));
  checkPassword(required(input, 'Password'));
  ctx.store.putUser({ ...user, status: input.Permanent === true ? 'CONFIRMED' : 'FORCE_CHANGE_PASSWORD', updatedAt: ctx.now() });
  await ctx.store.durable();
  return {};
};

const adminUpdateUserAttributes: Operation = async (ctx, input) => {
  checkPool(ctx, input);
  const user = requireUser(ctx, required(input, 'Username'));
  const attributes = parseAttributes(input.UserAttributes);
  for (const name of Object.keys(attributes)) {
    if (name.startsWith('cognito:') || !STANDARD_ATTRIBUTES.includes(name)) {
      throw invalidParameter(`Attributes did not conform to the schema: ${name}: Attribute does not exist in the schema.\n`);
    }
  }
  if (attributes.email !== undefined) {
    const other = findUser(ctx, attributes.email);
    if (other && other.username !== user.username)
      throw new CognitoError('AliasExistsException', 'An account with the given email already exists.');
  }
  ctx.store.putUser({ ...user, attributes: { ...user.attributes, ...attributes }, updatedAt: ctx.now() });
  await ctx.store.durable();
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
  ctx.store.removeUser(user.username);
  await ctx.store.durable();
  return {};
};

const adminUserGlobalSignOut: Operation = async (ctx, input) => {
  checkPool(ctx, input);
  signOutEverywhere(ctx, requireUser(ctx, required(input, 'Username')));
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
    const read = (u: SandboxUser) =>
      attr === 'username'
        ? u.username
        : attr === 'status'
          ? u.enabled
            ? 'Enabled'
            : 'Disabled'
          : attr === 'cognito:user_status'
            ? u.status
            : u.attributes[attr];
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
  for (const kind of TRIGGER_KINDS)
    if (ctx.triggers.has(kind as FunctionKind)) lambda[triggerName(kind)] = arn(`${ctx.config.name}-${kind}`);
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
  GetTokensFromRefreshToken: getTokensFromRefreshToken,
  UpdateUserAttributes: updateUserAttributes,
  DeleteUserAttributes: deleteUserAttributes,
  GetUserAttributeVerificationCode: getUserAttributeVerificationCode,
  VerifyUserAttribute: verifyUserAttribute,
  DeleteUser: deleteUser,
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

/**
 * The operations a browser or app calls without AWS credentials (the API model marks them
 * `authtype: none`); every other one (Admin*, ListUsers, Describe*) needs a SigV4 signature.
 */
export const PUBLIC_OPERATIONS: ReadonlySet<string> = new Set([
  'InitiateAuth',
  'RespondToAuthChallenge',
  'SignUp',
  'GetUser',
  'GetTokensFromRefreshToken',
  'UpdateUserAttributes',
  'DeleteUserAttributes',
  'GetUserAttributeVerificationCode',
  'VerifyUserAttribute',
  'DeleteUser',
  'GlobalSignOut',
  'RevokeToken',
]);

export function unknownOperation(name: string): CognitoError {
  return new CognitoError('UnknownOperationException', `The sandbox does not implement ${name}.`);
}
