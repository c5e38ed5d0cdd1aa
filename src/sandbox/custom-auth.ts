import { createHmac } from 'node:crypto';
import { CognitoError, INCORRECT_CREDENTIALS, invalidParameter, notAuthorized } from './cognito-error.js';
import { newOpaqueToken, newUuid, tokenHash } from './ids.js';
import type { FunctionKind } from '../config/function-kinds.js';
import type { PoolContext } from './pool-context.js';
import type { AuthSession, SandboxUser, SessionRound } from './sandbox-store.js';
import { issueTokens, newRefreshToken, type IssuedTokens, type TokenValidity } from './tokens.js';
import { callTrigger, eventAttributes } from './trigger-calls.js';
import { findUser } from './user-directory.js';
import { checkPassword } from './password-policy.js';
import { clientSettings } from './client-settings.js';

const CUSTOM_CHALLENGE = 'CUSTOM_CHALLENGE';

export type AuthResponse =
  | { ChallengeName: string; Session: string; ChallengeParameters: Record<string, string> }
  | { AuthenticationResult: IssuedTokens & { RefreshToken?: string }; ChallengeParameters: Record<string, never> };

export function tokenValidity(ctx: PoolContext): TokenValidity {
  const c = ctx.config.client;
  return {
    accessSeconds: c.accessTokenValidityMinutes * 60,
    idSeconds: c.idTokenValidityMinutes * 60,
    refreshSeconds: c.refreshTokenValidityDays * 86_400,
  };
}

/** The ID token carries only what the app client may read (ReadAttributes, when set). */
export function readableAttributes(ctx: PoolContext): { readAttributes?: readonly string[] } {
  const read = clientSettings(ctx).ReadAttributes;
  return read ? { readAttributes: read } : {};
}

interface Flow {
  clientId: string;
  /** What the caller typed (the email); trigger events carry it for unknown users. */
  typed: string;
  /** The username the caller is told: the user's UUID, or a stable stand-in for an unknown one. */
  username: string;
  user: SandboxUser | undefined;
  rounds: SessionRound[];
}

/**
 * Cognito's custom-auth state machine. Each round: Define decides (challenge, tokens or fail);
 * a challenge runs Create and hands the caller a new single-use session token; an answer runs
 * Verify, appends the round, and asks Define again.
 *
 * With PreventUserExistenceErrors an unknown username goes through the same rounds with
 * request.userNotFound=true, so the caller cannot tell it from a real account.
 */
export async function initiateCustomAuth(ctx: PoolContext, clientId: string, username: string): Promise<AuthResponse> {
  const user = findUser(ctx, username);
  if (user && !user.enabled) throw notAuthorized('User is disabled.');
  if (user && user.status === 'UNCONFIRMED') throw new CognitoError('UserNotConfirmedException', 'User is not confirmed.');
  return advance(ctx, { clientId, typed: username, username: user?.username ?? pseudonym(ctx, username), user, rounds: [] });
}

export async function respondToCustomChallenge(
  ctx: PoolContext,
  clientId: string,
  sessionToken: string,
  challengeName: string,
  responses: Record<string, string>,
): Promise<AuthResponse> {
  const key = tokenHash(sessionToken);
  const pending = ctx.store.state.sessions[key];
  if (!pending || pending.clientId !== clientId) throw notAuthorized('Invalid session for the user.');
  if (pending.expiresAt <= ctx.now()) {
    ctx.store.takeSession(key);
    throw notAuthorized('Invalid session for the user, session is expired.');
  }
  // A request that fails validation is refused before the session is touched, so the caller can
  // correct it and answer with the same session. Cognito's documentation does not say whether a
  // malformed RespondToAuthChallenge spends the session; we follow the API's general rule that
  // invalid input is rejected before the request is processed, and a retry stays possible.
  if (challengeName !== pending.challengeName) throw invalidParameter(`Invalid challenge name: expected ${pending.challengeName}.`);
  const named = responses.USERNAME;
  if (!named) throw invalidParameter('Missing required parameter USERNAME');
  if (pending.challengeName === 'NEW_PASSWORD_REQUIRED') {
    if (!responses.NEW_PASSWORD) throw invalidParameter('Missing required parameter NEW_PASSWORD');
    checkPassword(responses.NEW_PASSWORD, 'newPassword');
  } else if (responses.ANSWER === undefined) {
    throw invalidParameter('Missing required parameter ANSWER');
  }
  const user = pending.userNotFound ? undefined : ctx.store.state.users[pending.username];
  const sameUser = user
    ? findUser(ctx, named)?.username === user.username
    : named === pending.username || named.trim().toLowerCase() === pending.typed.trim().toLowerCase();
  if (!sameUser && (user || pending.userNotFound)) throw notAuthorized('Invalid session for the user.');
  // Single use: the token is spent before any trigger runs, so a replay (or a double submit)
  // cannot race the first answer.
  const session = ctx.store.takeSession(key);
  if (!session) throw notAuthorized('Invalid session for the user.');
  if (!session.userNotFound && !user) throw notAuthorized(INCORRECT_CREDENTIALS);

  if (session.challengeName === 'NEW_PASSWORD_REQUIRED') {
    ctx.store.putUser({ ...user!, status: 'CONFIRMED', updatedAt: ctx.now() });
    await ctx.store.durable();
    return authenticated(ctx, clientId, ctx.store.state.users[user!.username]!);
  }

  const answer = responses.ANSWER!;
  const verdict = await callTrigger(
    ctx,
    'verify-auth-challenge',
    'VerifyAuthChallengeResponse_Authentication',
    user ? user.username : session.typed,
    {
      userAttributes: eventAttributes(user),
      privateChallengeParameters: session.privateParameters,
      challengeAnswer: answer,
      userNotFound: session.userNotFound,
    },
    { answerCorrect: null },
  );
  const round: SessionRound = {
    challengeName: CUSTOM_CHALLENGE,
    // Only a literal true passes; Cognito treats anything else as a wrong answer.
    challengeResult: verdict.answerCorrect === true,
    ...(session.challengeMetadata !== undefined ? { challengeMetadata: session.challengeMetadata } : {}),
  };
  return advance(ctx, { clientId, typed: session.typed, username: session.username, user, rounds: [...session.rounds, round] });
}

async function advance(ctx: PoolContext, flow: Flow): Promise<AuthResponse> {
  const userNotFound = flow.user === undefined;
  const attributes = eventAttributes(flow.user);
  const session = flow.rounds.map((r) => ({
    challengeName: r.challengeName,
    challengeResult: r.challengeResult,
    challengeMetadata: r.challengeMetadata ?? null,
  }));
  const decision = await callTrigger(
    ctx,
    'define-auth-challenge',
    'DefineAuthChallenge_Authentication',
    eventUserName(flow),
    { userAttributes: attributes, session, userNotFound },
    { challengeName: null, issueTokens: null, failAuthentication: null },
  );

  if (decision.failAuthentication === true) {
    throw notAuthorized(INCORRECT_CREDENTIALS);
  }
  if (decision.issueTokens === true) {
    // Cognito never issues tokens for a user that does not exist, whatever Define says.
    if (!flow.user) throw notAuthorized(INCORRECT_CREDENTIALS);
    // An admin-created user still on its temporary password must set one first — even after a
    // custom challenge. `test-auth --create-user` avoids this by setting a permanent password.
    if (flow.user.status === 'FORCE_CHANGE_PASSWORD') {
      return challenge(ctx, flow, 'NEW_PASSWORD_REQUIRED', { userAttributes: '{}', requiredAttributes: '[]' }, {}, undefined);
    }
    return authenticated(ctx, flow.clientId, flow.user);
  }
  if (decision.challengeName !== CUSTOM_CHALLENGE) {
    throw new CognitoError('InvalidLambdaResponseException', 'Unrecognizable lambda output');
  }

  const created = await callTrigger(
    ctx,
    'create-auth-challenge',
    'CreateAuthChallenge_Authentication',
    eventUserName(flow),
    { userAttributes: attributes, challengeName: CUSTOM_CHALLENGE, session, userNotFound },
    { publicChallengeParameters: null, privateChallengeParameters: null, challengeMetadata: null },
  );
  return challenge(
    ctx,
    flow,
    CUSTOM_CHALLENGE,
    stringRecord(created.publicChallengeParameters),
    stringRecord(created.privateChallengeParameters),
    typeof created.challengeMetadata === 'string' ? created.challengeMetadata : undefined,
  );
}

async function challenge(
  ctx: PoolContext,
  flow: Flow,
  challengeName: string,
  publicParameters: Record<string, string>,
  privateParameters: Record<string, string>,
  challengeMetadata: string | undefined,
): Promise<AuthResponse> {
  const token = newOpaqueToken(192);
  const record: AuthSession = {
    clientId: flow.clientId,
    username: flow.username,
    typed: flow.typed,
    userNotFound: flow.user === undefined,
    rounds: flow.rounds,
    challengeName,
    publicParameters,
    privateParameters,
    ...(challengeMetadata !== undefined ? { challengeMetadata } : {}),
    expiresAt: ctx.now() + ctx.config.client.authSessionValidityMinutes * 60_000,
  };
  ctx.store.putSession(tokenHash(token), record);
  return { ChallengeName: challengeName, Session: token, ChallengeParameters: { ...publicParameters, USERNAME: flow.username } };
}

// Marks the address verified after the first correct code (runs when that handler is configured).
const POST_AUTHENTICATION: FunctionKind = 'post-authentication';

async function authenticated(ctx: PoolContext, clientId: string, signedIn: SandboxUser): Promise<AuthResponse> {
  let user = signedIn;
  if (ctx.triggers.has(POST_AUTHENTICATION)) {
    // Cognito runs PostAuthentication once the user has authenticated, before it returns tokens;
    // an error there fails the sign-in. The trigger may change the user (AdminUpdateUserAttributes
    // on this sandbox), so the tokens are built from the user as it is afterwards.
    // https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-post-authentication.html
    await callTrigger(
      ctx,
      POST_AUTHENTICATION,
      'PostAuthentication_Authentication',
      user.username,
      { userAttributes: eventAttributes(user), newDeviceUsed: false, clientMetadata: {} },
      {},
    );
    user = ctx.store.state.users[user.username] ?? user;
  }
  const nowMs = ctx.now();
  const validity = tokenValidity(ctx);
  const originJti = newUuid();
  const tokens = issueTokens(ctx.key, validity, {
    issuer: ctx.issuer,
    clientId,
    user,
    authTime: Math.floor(nowMs / 1000),
    originJti,
    nowMs,
    ...readableAttributes(ctx),
  });
  const refreshToken = newRefreshToken();
  ctx.store.putRefresh(tokenHash(refreshToken), {
    clientId,
    username: user.username,
    originJti,
    authTime: Math.floor(nowMs / 1000),
    expiresAt: nowMs + validity.refreshSeconds * 1000,
    createdAt: nowMs,
  });
  return { AuthenticationResult: { ...tokens, RefreshToken: refreshToken }, ChallengeParameters: {} };
}

const eventUserName = (flow: Flow): string => flow.user?.username ?? flow.typed;

/**
 * For an unknown name the caller gets a UUID-shaped USERNAME, the same one every time for the
 * same name (an HMAC under a per-pool secret), exactly like a real account's would be.
 */
function pseudonym(ctx: PoolContext, typed: string): string {
  const h = createHmac('sha256', ctx.store.state.pseudonymSecret).update(typed.trim().toLowerCase()).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function stringRecord(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof value !== 'object' || value === null) return out;
  for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = String(v);
  return out;
}
