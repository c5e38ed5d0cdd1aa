/** Shapes shared by the config schema and the command-line flags; no dependencies, so --help stays light. */
export const REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;

/**
 * A sender under a TLD reserved for documentation and tests (RFC 2606: .example, .invalid, .test)
 * can never receive SES's verification email, so no code could ever be sent from it. The
 * repository's own otp-setup.config.json uses one as its placeholder.
 */
export const PLACEHOLDER_SENDER = 'noreply@your-domain.example';
export const RESERVED_SENDER_DOMAIN = /\.(example|invalid|test)$/i;
