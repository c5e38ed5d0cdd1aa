import { createHash, randomBytes } from 'node:crypto';
import { resourceNames } from '../config/resource-names.js';
import type { Config } from '../config/schema.js';
import type { StepContext } from '../core/step.js';
import type { FunctionKind } from '../config/function-kinds.js';

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
    RATE_LIMIT_FAILURE_CEILING: String(r.failureCeiling),
    RATE_LIMIT_CODES_PER_DAY: String(r.codesPerDay),
    RATE_LIMIT_DAILY_EMAILS: String(r.dailyEmailBudget),
  };
}

/** The per-stack secret Create and Verify share (handlers/shared/secret.ts). Never printed. */
export const HMAC_KEY_VARIABLE = 'OTP_HMAC_KEY';

export interface HandlerSecrets {
  /** base64url, 32 random bytes: see newHandlerKey(). */
  hmacKey: string;
}

export function newHandlerKey(): string {
  return randomBytes(32).toString('base64url');
}

/** The environment with the secret replaced by a fingerprint, for diffs, plans and doctor output. */
export function redactEnvironment(env: Record<string, unknown>): Record<string, unknown> {
  const value = env[HMAC_KEY_VARIABLE];
  if (typeof value !== 'string') return env;
  return { ...env, [HMAC_KEY_VARIABLE]: `<secret ${createHash('sha256').update(value).digest('hex').slice(0, 8)}>` };
}

/** The stack's secret: the recorded (or adopted) one, else the fresh one this run generated. */
export function handlerSecrets(ctx: Pick<StepContext, 'state' | 'facts'>): HandlerSecrets {
  const hmacKey = ctx.state.resources.handlerKey ?? ctx.facts.newHandlerKey;
  if (!hmacKey) throw new Error('no handler secret: the stack context generates one');
  return { hmacKey };
}

/** Only Create and Verify get the secret. */
export function needsSecrets(kind: FunctionKind): boolean {
  return kind === 'create-auth-challenge' || kind === 'verify-auth-challenge';
}

/**
 * The settings each handler reads from its environment. Each function gets only the variables
 * it uses, so changing the OTP length updates the create function and nothing else.
 * The sandbox gives the handlers exactly these too.
 */
export function handlerEnvironment(kind: FunctionKind, config: Config, secrets?: HandlerSecrets): Record<string, string> {
  const key = (): string => {
    if (!secrets) throw new Error(`${kind} needs the stack's handler secret`);
    return secrets.hmacKey;
  };
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
        [HMAC_KEY_VARIABLE]: key(),
        ...rateLimitEnvironment(config),
      };
    case 'verify-auth-challenge':
      return { ...common, [HMAC_KEY_VARIABLE]: key(), ...rateLimitEnvironment(config) };
    case 'post-authentication':
      return { ...common };
    case 'pre-sign-up':
      return {
        ...common,
        ...(config.signUp.allowedDomains.length ? { ALLOWED_EMAIL_DOMAINS: config.signUp.allowedDomains.join(',') } : {}),
      };
  }
}
