import { CognitoJwtVerifier, JwtVerifier } from 'aws-jwt-verify';
import { OtpError, errorMessage } from '../core/errors.js';
import type { SignInTarget } from './target.js';

interface TokenCheckInput {
  idToken: string;
  accessToken: string;
  userPoolId: string;
  clientId: string;
  /** A custom Cognito endpoint (the sandbox); undefined means real AWS. */
  endpoint?: string;
}

export type Claims = Record<string, unknown>;

export interface VerifiedTokens {
  id: Claims;
  access: Claims;
  issuer: string;
}

/** The issuer a pool's tokens carry: AWS's fixed host, or `<endpoint>/<poolId>` for the sandbox. */
function issuerFor(userPoolId: string, endpoint: string | undefined): string {
  if (endpoint === undefined) {
    const region = userPoolId.split('_')[0];
    return `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`;
  }
  return `${endpoint.replace(/\/+$/, '')}/${userPoolId}`;
}

/**
 * Verifies the signature (against the pool's JWKS), issuer, audience / client_id, token_use and
 * expiry of both tokens. CognitoJwtVerifier hardcodes the AWS issuer, so a custom endpoint gets
 * the generic JwtVerifier with the sandbox's issuer and JWKS.
 */
async function verifyCognitoTokens(input: TokenCheckInput): Promise<VerifiedTokens> {
  const issuer = issuerFor(input.userPoolId, input.endpoint);
  if (input.endpoint === undefined) {
    const idVerifier = CognitoJwtVerifier.create({ userPoolId: input.userPoolId, tokenUse: 'id', clientId: input.clientId });
    const accessVerifier = CognitoJwtVerifier.create({ userPoolId: input.userPoolId, tokenUse: 'access', clientId: input.clientId });
    const [id, access] = await Promise.all([idVerifier.verify(input.idToken), accessVerifier.verify(input.accessToken)]);
    return { id: { ...id }, access: { ...access }, issuer };
  }
  const jwksUri = `${issuer}/.well-known/jwks.json`;
  const tokenUse =
    (expected: 'id' | 'access') =>
    ({ payload }: { payload: Claims }) => {
      if (payload.token_use !== expected) throw new Error(`token_use is ${String(payload.token_use)}, expected ${expected}`);
      if (expected === 'access' && payload.client_id !== input.clientId) throw new Error('client_id does not match the app client');
    };
  const idVerifier = JwtVerifier.create({ issuer, audience: input.clientId, jwksUri, customJwtCheck: tokenUse('id') });
  // Cognito access tokens carry client_id instead of aud.
  const accessVerifier = JwtVerifier.create({ issuer, audience: null, jwksUri, customJwtCheck: tokenUse('access') });
  // aws-jwt-verify fetches JWKS over https only; a local endpoint is plain http, so fetch it here.
  const res = await fetch(jwksUri);
  if (!res.ok) throw new Error(`GET ${jwksUri} answered ${res.status}`);
  const jwks = (await res.json()) as Parameters<typeof idVerifier.cacheJwks>[0];
  idVerifier.cacheJwks(jwks);
  accessVerifier.cacheJwks(jwks);
  const [id, access] = await Promise.all([idVerifier.verify(input.idToken), accessVerifier.verify(input.accessToken)]);
  return { id: { ...id }, access: { ...access }, issuer };
}

/** The tokens a sign-in returned, verified against the target's pool and client. */
export async function verifySignInTokens(target: SignInTarget, tokens: { idToken: string; accessToken: string }): Promise<VerifiedTokens> {
  try {
    return await verifyCognitoTokens({ ...tokens, userPoolId: target.userPoolId, clientId: target.clientId, endpoint: target.endpoint });
  } catch (err) {
    throw new OtpError('TOKENS_INVALID', `Cognito returned tokens that do not verify: ${errorMessage(err)}`, {
      cause: err,
      resolution: 'Check the clock of this machine and the pool/client ids; the tokens must come from this pool and client.',
    });
  }
}
