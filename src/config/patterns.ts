/** Shapes shared by the config schema and the command-line flags; no dependencies, so --help stays light. */
export const REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;

/**
 * Looks like an address at all (something@something.tld), the shape Cognito itself checks on the
 * email attribute ("Invalid email address format."). Deliberately loose: which addresses may sign
 * up is the deployed PreSignUp handler's decision (handlers/shared/settings.ts isEmailAddress,
 * stricter), and test-auth must be able to send it one it refuses.
 */
export const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * A sender under a TLD reserved for documentation and tests (RFC 2606: .example, .invalid, .test)
 * can never receive SES's verification email, so no code could ever be sent from it. The
 * repository's own otp-setup.config.json uses one as its placeholder.
 */
export const PLACEHOLDER_SENDER = 'noreply@your-domain.example';
export const RESERVED_SENDER_DOMAIN = /\.(example|invalid|test)$/i;
