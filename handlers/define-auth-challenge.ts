import { CUSTOM_CHALLENGE, isUserNotFound, readSession, requestOf, withResponse, type TriggerResult } from './shared/events.js';
import type { LogSink } from './shared/logger.js';
import { prepare } from './shared/runtime.js';
import { readMaxAttempts, type EnvSource } from './shared/settings.js';

export interface DefineAuthChallengeResponse {
  challengeName?: typeof CUSTOM_CHALLENGE;
  issueTokens: boolean;
  failAuthentication: boolean;
}

export interface DefineAuthChallengeDeps {
  env?: EnvSource;
  log?: LogSink;
}

export type DefineAuthChallengeHandler = (event: unknown) => Promise<TriggerResult<DefineAuthChallengeResponse>>;

const FAIL: DefineAuthChallengeResponse = { issueTokens: false, failAuthentication: true };
const CHALLENGE: DefineAuthChallengeResponse = { challengeName: CUSTOM_CHALLENGE, issueTokens: false, failAuthentication: false };
const TOKENS: DefineAuthChallengeResponse = { issueTokens: true, failAuthentication: false };

export function createHandler(deps: DefineAuthChallengeDeps = {}): DefineAuthChallengeHandler {
  return async (event) => {
    const { log, settings: maxAttempts } = prepare('define-auth-challenge', deps.env ?? process.env, deps.log, readMaxAttempts);

    const request = requestOf(event);
    const session = request && readSession(request);
    if (!request || !session) {
      log.warn('malformed event: failing authentication');
      return withResponse(event, { ...FAIL });
    }

    // Only our own rounds count. A client misconfigured for CUSTOM_WITH_SRP (or a pool that also
    // allows passwords) puts SRP_A / PASSWORD_VERIFIER entries here; their "true" proves a
    // password, not the emailed code, so they are ignored, never a path to tokens.
    const rounds = session.filter((entry) => entry.challengeName === CUSTOM_CHALLENGE);
    const last = session.at(-1);
    const userNotFound = isUserNotFound(request);
    const fields = {
      round: rounds.length,
      maxAttempts,
      foreignEntries: session.length - rounds.length,
      userNotFound,
    };

    // Tokens only right after our round passed. An unknown user never gets tokens, even if a
    // broken Verify said true; the caller sees the same wrong-code path as for a real user.
    if (!userNotFound && last?.challengeName === CUSTOM_CHALLENGE && last.challengeResult) {
      log.info('code accepted: issuing tokens', fields);
      return withResponse(event, { ...TOKENS });
    }
    if (rounds.length >= maxAttempts) {
      log.info('too many wrong codes: failing authentication', fields);
      return withResponse(event, { ...FAIL });
    }
    log.info(rounds.length === 0 ? 'starting sign-in: issuing code challenge' : 'wrong code: asking again', fields);
    return withResponse(event, { ...CHALLENGE });
  };
}

export const handler = createHandler();
