import { EMAIL_PATTERN } from '../config/patterns.js';
import { CognitoError, invalidParameter, notAuthorized, userNotFound } from './cognito-error.js';
import { newUuid } from './ids.js';
import type { PoolContext } from './pool-context.js';
import type { SandboxUser } from './sandbox-store.js';

export interface AttributeType {
  Name: string;
  Value: string;
}

/**
 * The pool uses email as its username (UsernameAttributes=email, case-insensitive): the real
 * username is a UUID equal to `sub`, and callers may name a user by either.
 */
export function findUser(ctx: PoolContext, name: string): SandboxUser | undefined {
  const users = ctx.store.state.users;
  return users[name] ?? users[name.toLowerCase()] ?? ctx.store.userByEmail(name);
}

export function requireUser(ctx: PoolContext, name: string): SandboxUser {
  const user = findUser(ctx, name);
  if (!user) throw userNotFound();
  return user;
}

export function parseAttributes(list: unknown, field = 'UserAttributes'): Record<string, string> {
  if (list === undefined) return {};
  if (!Array.isArray(list)) throw invalidParameter(`${field} must be a list of {Name, Value}.`);
  const out: Record<string, string> = {};
  for (const item of list as unknown[]) {
    const a = item as Partial<AttributeType>;
    if (typeof a?.Name !== 'string' || (a.Value !== undefined && typeof a.Value !== 'string')) {
      throw invalidParameter(`${field} must be a list of {Name, Value}.`);
    }
    if (a.Name === 'sub') throw invalidParameter('Cannot modify the non-mutable attribute sub');
    out[a.Name] = a.Value ?? '';
  }
  return out;
}

/**
 * Every pool has the OIDC standard attributes; the pool `up` creates declares no custom ones
 * (src/steps/user-pool-step.ts SCHEMA), so `custom:*` names do not exist in it.
 * https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-attributes.html
 */
export const STANDARD_ATTRIBUTES: readonly string[] = [
  'address',
  'birthdate',
  'email',
  'email_verified',
  'family_name',
  'gender',
  'given_name',
  'locale',
  'middle_name',
  'name',
  'nickname',
  'phone_number',
  'phone_number_verified',
  'picture',
  'preferred_username',
  'profile',
  'sub',
  'updated_at',
  'website',
  'zoneinfo',
];
const NEVER_CLIENT_WRITABLE = new Set(['sub', 'email_verified', 'phone_number_verified']);

/**
 * What an app client may write (SignUp, UpdateUserAttributes): attributes of the pool's schema, of
 * those only the client's WriteAttributes (by default every standard attribute except the
 * `*_verified` flags). Cognito's answers: an attribute outside the schema is
 * InvalidParameterException "Attributes did not conform to the schema"; one the client may not
 * write is NotAuthorizedException "A client attempted to write unauthorized attribute"
 * (e.g. email_verified on SignUp: https://github.com/aws/aws-sdk-js/issues/3603).
 */
export function checkClientWritable(attributes: Record<string, string>, writeAttributes: readonly string[] | undefined): void {
  for (const name of Object.keys(attributes)) {
    if (name.startsWith('cognito:')) throw notAuthorized('A client attempted to write unauthorized attribute');
    if (!STANDARD_ATTRIBUTES.includes(name))
      throw invalidParameter(`Attributes did not conform to the schema: ${name}: Attribute does not exist in the schema.\n`);
  }
  for (const name of Object.keys(attributes)) {
    const writable = writeAttributes ? writeAttributes.includes(name) : !NEVER_CLIENT_WRITABLE.has(name);
    if (!writable) throw notAuthorized('A client attempted to write unauthorized attribute');
  }
}

export function attributeList(user: SandboxUser): AttributeType[] {
  return Object.entries(user.attributes).map(([Name, Value]) => ({ Name, Value }));
}

/**
 * A new user named by email. With UsernameAttributes=email Cognito rejects a username that is
 * not an email address, and treats the address as the email attribute.
 */
export function newUser(
  ctx: PoolContext,
  username: string,
  attributes: Record<string, string>,
  status: SandboxUser['status'],
): SandboxUser {
  const email = (attributes.email ?? username).trim();
  if (!EMAIL_PATTERN.test(username.trim())) throw invalidParameter('Username should be an email.');
  if (!EMAIL_PATTERN.test(email)) throw invalidParameter('Invalid email address format.');
  if (attributes.email !== undefined && attributes.email.toLowerCase() !== username.trim().toLowerCase()) {
    throw invalidParameter('Username should be an email.');
  }
  if (findUser(ctx, email)) throw new CognitoError('UsernameExistsException', 'An account with the given email already exists.');
  const sub = newUuid();
  const now = ctx.now();
  return {
    username: sub,
    attributes: { ...attributes, sub, email, email_verified: attributes.email_verified ?? 'false' },
    status,
    enabled: true,
    createdAt: now,
    updatedAt: now,
  };
}

export function userSummary(user: SandboxUser) {
  return {
    Username: user.username,
    Attributes: attributeList(user),
    UserCreateDate: user.createdAt / 1000,
    UserLastModifiedDate: user.updatedAt / 1000,
    Enabled: user.enabled,
    UserStatus: user.status,
  };
}
