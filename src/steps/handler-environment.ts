import type { Config } from '../config/schema.js';
import type { FunctionKind } from '../package/build-handlers.js';

/**
 * The settings each handler reads from its environment. Each function gets only the variables
 * it uses, so changing the OTP length updates the create function and nothing else.
 * The sandbox gives the handlers exactly these too.
 */
export function handlerEnvironment(kind: FunctionKind, config: Config): Record<string, string> {
  const common = { LOG_LEVEL: 'info' };
  switch (kind) {
    case 'define-auth-challenge':
      return { ...common, OTP_MAX_ATTEMPTS: String(config.otp.maxAttempts) };
    case 'create-auth-challenge':
      return {
        ...common,
        OTP_LENGTH: String(config.otp.length),
        OTP_TTL_SECONDS: String(config.otp.ttlSeconds),
        FROM_EMAIL: config.email.from,
        ...(config.email.fromName ? { FROM_NAME: config.email.fromName } : {}),
      };
    case 'verify-auth-challenge':
      return common;
    case 'pre-sign-up':
      return { ...common, ...(config.signUp.allowedDomains.length ? { ALLOWED_EMAIL_DOMAINS: config.signUp.allowedDomains.join(',') } : {}) };
  }
}
