import type { SigningKey } from './signing-key.js';
import { newOpaqueToken, newUuid } from './ids.js';
import type { SandboxUser } from './sandbox-store.js';

export interface TokenValidity {
  accessSeconds: number;
  idSeconds: number;
  refreshSeconds: number;
}

export interface IssueInput {
  issuer: string;
  clientId: string;
  user: SandboxUser;
  /** Epoch seconds of the sign-in; refreshed tokens keep the original one. */
  authTime: number;
  originJti: string;
  nowMs: number;
  /** The app client's ReadAttributes; every attribute when absent. */
  readAttributes?: readonly string[];
}

export interface IssuedTokens {
  IdToken: string;
  AccessToken: string;
  ExpiresIn: number;
  TokenType: 'Bearer';
}

/** Attributes that appear in an ID token as Cognito writes them (booleans for *_verified). */
function idAttributes(user: SandboxUser, readable: readonly string[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(user.attributes)) {
    if (name === 'sub' || (readable && !readable.includes(name))) continue;
    out[name] = name.endsWith('_verified') ? value === 'true' : value;
  }
  return out;
}

/** ID and access tokens with the claims Cognito puts in them, signed RS256. */
export function issueTokens(key: SigningKey, validity: TokenValidity, input: IssueInput): IssuedTokens {
  const iat = Math.floor(input.nowMs / 1000);
  const sub = input.user.attributes.sub ?? input.user.username;
  const eventId = newUuid();
  const IdToken = key.signJwt({
    sub,
    ...idAttributes(input.user, input.readAttributes),
    iss: input.issuer,
    'cognito:username': input.user.username,
    origin_jti: input.originJti,
    aud: input.clientId,
    event_id: eventId,
    token_use: 'id',
    auth_time: input.authTime,
    exp: iat + validity.idSeconds,
    iat,
    jti: newUuid(),
  });
  const AccessToken = key.signJwt({
    sub,
    iss: input.issuer,
    client_id: input.clientId,
    origin_jti: input.originJti,
    event_id: eventId,
    token_use: 'access',
    scope: 'aws.cognito.signin.user.admin',
    auth_time: input.authTime,
    exp: iat + validity.accessSeconds,
    iat,
    jti: newUuid(),
    username: input.user.username,
  });
  return { IdToken, AccessToken, ExpiresIn: validity.accessSeconds, TokenType: 'Bearer' };
}

/** Cognito's refresh tokens are opaque to clients; so are these. */
export const newRefreshToken = (): string => newOpaqueToken(96);
