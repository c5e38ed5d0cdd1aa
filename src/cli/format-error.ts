import { OtpError } from '../core/errors.js';
import { toUserError } from '../aws/aws-errors.js';

export interface FormattedError {
  code: string;
  message: string;
  resolution?: string;
  cause?: string;
  exitCode: 1 | 2;
  /** Machine-readable detail (OtpError.details), for --json. */
  details?: Record<string, unknown>;
}

/** The one place that turns any failure into what a user reads (text) or a script parses (JSON). */
export function normalizeError(err: unknown): FormattedError {
  const known: OtpError =
    err instanceof OtpError
      ? err
      : typeof err === 'object' && err !== null && '$metadata' in err
        ? toUserError(err, 'an AWS call')
        : new OtpError('INTERNAL', `Unexpected error: ${err instanceof Error ? err.message : String(err)}`, {
            cause: err,
            resolution: 'This is a bug in otp-setup. Run again with --debug and report the output.',
          });
  const cause = known.cause instanceof Error ? `${known.cause.name}: ${known.cause.message}` : undefined;
  return {
    code: known.code,
    message: known.message,
    ...(known.resolution ? { resolution: known.resolution } : {}),
    ...(cause && !known.message.includes(cause) ? { cause } : {}),
    exitCode: known.exitCode,
    ...(known.details ? { details: known.details } : {}),
  };
}

export function formatErrorText(err: unknown, debug: boolean): string {
  const f = normalizeError(err);
  const lines = [`✖ ${f.message} [${f.code}]`];
  if (f.resolution) lines.push(`  → ${f.resolution}`);
  if (debug) {
    if (f.cause) lines.push(`  cause: ${f.cause}`);
    const stackOf = (e: unknown): string | undefined => (e instanceof Error ? e.stack : undefined);
    const root = err instanceof OtpError && err.cause !== undefined ? err.cause : err;
    const stack = stackOf(root);
    if (stack)
      lines.push(
        stack
          .split('\n')
          .map((l) => `  ${l}`)
          .join('\n'),
      );
  } else if (f.code === 'INTERNAL' || f.code === 'AWS_ERROR') {
    lines.push('  (run with --debug for details)');
  }
  return lines.join('\n');
}
