import { CognitoError, invalidParameter } from './cognito-error.js';

/**
 * The password rules of the pool `up` creates. It sets no PasswordPolicy, so Cognito applies its
 * default: at least 8 characters with upper case, lower case, a number and a symbol.
 * https://docs.aws.amazon.com/cognito/latest/developerguide/managing-users-passwords.html
 * The symbols are the ones that page lists; a space counts when it is neither first nor last.
 */
export const DEFAULT_PASSWORD_POLICY = {
  minimumLength: 8,
  requireUppercase: true,
  requireLowercase: true,
  requireNumbers: true,
  requireSymbols: true,
} as const;

const SYMBOLS = new Set('^$*.[]{}()?"!@#%&/\\,><\':;|_~`=+-'.split(''));

/** Cognito's InvalidPasswordException, reporting the first rule the password breaks, in its wording. */
export function checkPassword(password: string, field = 'password'): void {
  // The API model's PasswordType: at most 256 characters matching [\S]+ (Smithy patterns are not
  // anchored: one non-space character is enough).
  if (password.length > 256)
    throw invalidParameter(
      `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must have length less than or equal to 256`,
    );
  if (!/\S/.test(password))
    throw invalidParameter(
      `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\S]+`,
    );
  const p = DEFAULT_PASSWORD_POLICY;
  const problem =
    password.length < p.minimumLength
      ? 'Password not long enough'
      : p.requireLowercase && !/[a-z]/.test(password)
        ? 'Password must have lowercase characters'
        : p.requireUppercase && !/[A-Z]/.test(password)
          ? 'Password must have uppercase characters'
          : p.requireNumbers && !/[0-9]/.test(password)
            ? 'Password must have numeric characters'
            : p.requireSymbols && ![...password].some((c, i) => SYMBOLS.has(c) || (c === ' ' && i > 0 && i < password.length - 1))
              ? 'Password must have symbol characters'
              : undefined;
  if (problem) throw new CognitoError('InvalidPasswordException', `Password did not conform with policy: ${problem}`);
}
