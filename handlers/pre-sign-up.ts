import { isRecord, requestOf, stringAttribute, withResponse, type TriggerResult } from './shared/events.js';
import type { LogSink } from './shared/logger.js';
import { maskEmail } from './shared/mask.js';
import { prepare } from './shared/runtime.js';
import { isEmailAddress, readAllowedDomains, type EnvSource } from './shared/settings.js';

export interface PreSignUpResponse {
  autoConfirmUser: boolean;
  autoVerifyEmail: boolean;
  autoVerifyPhone: boolean;
}

export interface PreSignUpDeps {
  env?: EnvSource;
  log?: LogSink;
}

export type PreSignUpHandler = (event: unknown) => Promise<TriggerResult<PreSignUpResponse>>;

/** Thrown to reject a sign-up; Cognito shows the message to the client as "PreSignUp failed with error …". */
export class SignUpRejected extends Error {
  override readonly name = 'SignUpRejected';
}

export function createHandler(deps: PreSignUpDeps = {}): PreSignUpHandler {
  return async (event) => {
    const { log, settings: allowedDomains } = prepare('pre-sign-up', deps.env ?? process.env, deps.log, readAllowedDomains);
    const triggerSource = isRecord(event) && typeof event.triggerSource === 'string' ? event.triggerSource : undefined;

    const request = requestOf(event);
    const email = request && stringAttribute(request, 'email')?.trim();
    if (!email) {
      log.warn('sign-up rejected: no email address', { triggerSource });
      throw new SignUpRejected('An email address is required to sign up.');
    }
    if (!isEmailAddress(email)) {
      log.warn('sign-up rejected: malformed email address', { triggerSource });
      throw new SignUpRejected('The email address is not valid.');
    }
    const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
    if (allowedDomains && !allowedDomains.includes(domain)) {
      log.warn('sign-up rejected: email domain not allowed', { triggerSource, domain });
      throw new SignUpRejected(`Sign-up is not open to addresses at ${domain}.`);
    }

    log.info('sign-up accepted: auto-confirming', { triggerSource, email: maskEmail(email) });
    // Confirmed, because an unconfirmed user cannot sign in at all, custom auth included
    // (https://docs.aws.amazon.com/cognito/latest/developerguide/signing-up-users-in-your-app.html).
    // Not verified: nothing has proven the address yet; autoVerifyEmail would mark any typed-in
    // address as verified. The first successful code is the proof, recorded by a later step.
    return withResponse(event, { autoConfirmUser: true, autoVerifyEmail: false, autoVerifyPhone: false });
  };
}

export const handler = createHandler();
