import { LOG_LEVELS, type LogLevel } from './logger.js';

// Settings arrive as Lambda environment variables written by `otp-setup up`. A bad value is a
// deployment bug: fail the invocation loudly instead of quietly running with a default.

export type EnvSource = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
  }
}

/** Unset and blank are the same thing: the CLI may write `""` for an option the user left out. */
function raw(env: EnvSource, name: string): string | undefined {
  const value = env[name];
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** An integer setting from `min` to `max`; when unset, `fallback`, or an error when there is none. */
export function integer(env: EnvSource, name: string, min: number, max: number, fallback?: number): number {
  const value = raw(env, name);
  if (value === undefined && fallback !== undefined) return fallback;
  const n = value !== undefined && /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(name, `${name}=${JSON.stringify(value ?? '')} is invalid: expected an integer from ${min} to ${max}`);
  }
  return n;
}

export const readLogLevel = (env: EnvSource): LogLevel => {
  const value = raw(env, 'LOG_LEVEL')?.toLowerCase();
  if (value === undefined) return 'info';
  const level = LOG_LEVELS.find((l) => l === value);
  if (!level) {
    throw new ConfigError('LOG_LEVEL', `LOG_LEVEL=${JSON.stringify(value)} is invalid: expected one of ${LOG_LEVELS.join(', ')}`);
  }
  return level;
};

/** 6 digits = log2(10^6) ≈ 19.9 bits of entropy is the accepted minimum, as in the config schema. */
export const readCodeLength = (env: EnvSource): number => integer(env, 'OTP_LENGTH', 6, 10, 6);

/** Capped at 10 minutes (OWASP ASVS 2.7.2, NIST SP 800-63B 5.1.3.2), as in the config schema. */
export const readTtlSeconds = (env: EnvSource): number => integer(env, 'OTP_TTL_SECONDS', 30, 600, 180);

export const readMaxAttempts = (env: EnvSource): number => integer(env, 'OTP_MAX_ATTEMPTS', 1, 10, 3);

const EMAIL = /^[^\s@<>()",;:\\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

export function isEmailAddress(value: string): boolean {
  return value.length <= 254 && EMAIL.test(value);
}

export interface Sender {
  email: string;
  name: string | undefined;
}

export function readSender(env: EnvSource): Sender {
  const email = raw(env, 'FROM_EMAIL');
  if (email === undefined) throw new ConfigError('FROM_EMAIL', 'FROM_EMAIL is not set: the sender address is required');
  if (!isEmailAddress(email)) {
    throw new ConfigError('FROM_EMAIL', `FROM_EMAIL=${JSON.stringify(email)} is not an email address`);
  }
  const name = raw(env, 'FROM_NAME');
  // eslint-disable-next-line no-control-regex
  if (name !== undefined && (name.length > 100 || /[\u0000-\u001f\u007f]/.test(name))) {
    throw new ConfigError('FROM_NAME', 'FROM_NAME is invalid: at most 100 characters, no control characters');
  }
  return { email, name };
}

const DOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

/** `undefined` means every domain may sign up. Matching is exact: a subdomain must be listed itself. */
export function readAllowedDomains(env: EnvSource): readonly string[] | undefined {
  const value = raw(env, 'ALLOWED_EMAIL_DOMAINS');
  if (value === undefined) return undefined;
  const domains = value.split(',').map((d) => d.trim().toLowerCase().replace(/^@/, ''));
  const bad = domains.find((d) => !DOMAIN.test(d));
  if (bad !== undefined) {
    throw new ConfigError('ALLOWED_EMAIL_DOMAINS', `ALLOWED_EMAIL_DOMAINS contains an invalid domain: ${JSON.stringify(bad)}`);
  }
  return domains;
}
