import { resourceNames } from '../config/resource-names.js';
import type { Config } from '../config/schema.js';
import type { FunctionKind } from '../package/build-handlers.js';

/**
 * The settings each handler reads from its environment. Each function gets only the variables
 * it uses, so changing the OTP length updates the create function and nothing else.
 * The sandbox gives the handlers exactly these too.
 */
/** The limits Create and Verify enforce across sessions, and where they keep count. */
export function rateLimitEnvironment(config: Config): Record<string, string> {
  const r = config.rateLimit;
  if (!r.enabled) return {};
  return {
    RATE_LIMIT_TABLE: resourceNames(config).rateLimitTable,
    RATE_LIMIT_CODES: String(r.codesPerWindow),
    RATE_LIMIT_WINDOW_SECONDS: String(r.windowMinutes * 60),
    RATE_LIMIT_FAILURES: String(r.maxFailedAnswers),
    RATE_LIMIT_LOCKOUT_SECONDS: String(r.lockoutMinutes * 60),
  };
}

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
        // The identity is verified in that region only: the code email must be sent there too.
        ...(config.email.sesRegion ? { SES_REGION: config.email.sesRegion } : {}),
        ...rateLimitEnvironment(config),
      };
    case 'verify-auth-challenge':
      return { ...common, ...rateLimitEnvironment(config) };
    case 'pre-sign-up':
      return { ...common, ...(config.signUp.allowedDomains.length ? { ALLOWED_EMAIL_DOMAINS: config.signUp.allowedDomains.join(',') } : {}) };
  }
}
