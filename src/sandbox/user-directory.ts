import { CognitoError, invalidParameter, userNotFound } from './cognito-error.js';
import { newUuid } from './ids.js';
import type { PoolContext } from './pool-context.js';
import type { SandboxUser } from './sandbox-store.js';

export interface AttributeType {
  Name: string;
  Value: string;
}

// Same address rule Cognito applies to the email attribute (roughly: something@something.tld).
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The pool uses email as its username (UsernameAttributes=email, case-insensitive): the real
 * username is a UUID equal to `sub`, and callers may name a user by either.
 */
export function findUser(ctx: PoolContext, name: string): SandboxUser | undefined {
  const users = ctx.store.state.users;
  const direct = users[name] ?? users[name.toLowerCase()];
  if (direct) return direct;
  const wanted = name.trim().toLowerCase();
  return Object.values(users).find((u) => u.attributes.email?.toLowerCase() === wanted);
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

export function attributeList(user: SandboxUser): AttributeType[] {
  return Object.entries(user.attributes).map(([Name, Value]) => ({ Name, Value }));
}

/**
 * A new user named by email. With UsernameAttributes=email Cognito rejects a username that is
 * not an email address, and treats the address as the email attribute.
 */
export function newUser(ctx: PoolContext, username: string, attributes: Record<string, string>, status: SandboxUser['status']): SandboxUser {
  const email = (attributes.email ?? username).trim();
  if (!EMAIL.test(username.trim())) throw invalidParameter('Username should be an email.');
  if (!EMAIL.test(email)) throw invalidParameter('Invalid email address format.');
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
