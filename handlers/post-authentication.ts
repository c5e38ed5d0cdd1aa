import { AdminUpdateUserAttributesCommand, CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { budgetFor, startDeadline } from './shared/deadline.js';
import { isRecord, requestOf, stringAttribute, withResponse, type TriggerResult } from './shared/events.js';
import type { LogSink } from './shared/logger.js';
import { maskEmail, redactAddresses } from './shared/mask.js';
import { prepare } from './shared/runtime.js';
import type { EnvSource } from './shared/settings.js';

/**
 * After the first correct code, marks the address verified: the code reached that inbox, which is
 * the proof pre-sign-up deliberately did not assume (autoVerifyEmail would mark any typed-in
 * address verified). From then on `email_verified` in the ID token means something.
 *
 * Cognito runs this trigger after every successful sign-in; only unverified users cost a call.
 * https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-post-authentication.html
 */
export type PostAuthenticationResponse = Record<string, never>;

/** The one Cognito call we make; a CognitoIdentityProviderClient satisfies it, and so does a fake. */
export interface UserAttributeWriter {
  send(command: AdminUpdateUserAttributesCommand, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

export interface PostAuthenticationDeps {
  env?: EnvSource;
  log?: LogSink;
  cognito?: UserAttributeWriter;
  budgetMs?: number;
}

export type PostAuthenticationHandler = (event: unknown, context?: unknown) => Promise<TriggerResult<PostAuthenticationResponse>>;

const defaultCognito = new CognitoIdentityProviderClient({
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 1_500, throwOnRequestTimeout: true },
});

export function createHandler(deps: PostAuthenticationDeps = {}): PostAuthenticationHandler {
  const cognito = deps.cognito ?? defaultCognito;
  return async (event, context) => {
    const { log } = prepare('post-authentication', deps.env ?? process.env, deps.log, () => undefined);
    const request = requestOf(event);
    const userPoolId = isRecord(event) && typeof event.userPoolId === 'string' ? event.userPoolId : undefined;
    const userName = isRecord(event) && typeof event.userName === 'string' ? event.userName : undefined;
    const email = request ? stringAttribute(request, 'email') : undefined;
    if (!request || !userPoolId || !userName) {
      log.warn('malformed event: nothing marked');
      return withResponse(event, {});
    }
    if (stringAttribute(request, 'email_verified') === 'true' || email === undefined) {
      log.debug('nothing to mark', { verified: email !== undefined });
      return withResponse(event, {});
    }
    const deadline = startDeadline(deps.budgetMs ?? budgetFor(context));
    try {
      await deadline.run((abortSignal) =>
        cognito.send(
          new AdminUpdateUserAttributesCommand({
            UserPoolId: userPoolId,
            Username: userName,
            UserAttributes: [{ Name: 'email_verified', Value: 'true' }],
          }),
          { abortSignal },
        ),
      );
      log.info('first correct code: email marked verified', { to: maskEmail(email.toLowerCase()) });
    } catch (error) {
      // The user proved the address and has their tokens coming: a failed bookkeeping call must
      // not fail the sign-in. The next sign-in tries again.
      log.error('could not mark the email verified', {
        to: maskEmail(email.toLowerCase()),
        errorName: error instanceof Error ? error.name : 'Error',
        errorMessage: error instanceof Error ? redactAddresses(error.message) : undefined,
      });
    } finally {
      deadline.dispose();
    }
    return withResponse(event, {});
  };
}

export const handler = createHandler();
