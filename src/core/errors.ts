// The one error family of otp-setup. Every failure a user can act on becomes an OtpError
// with a stable code, a message, an optional resolution line and the underlying cause;
// src/cli/format-error.ts is the only place that turns one into text.

export type ExitCode = 1 | 2;

export interface OtpErrorOptions {
  resolution?: string;
  cause?: unknown;
  /** 2 for usage errors (bad flags, bad config), 1 for everything else. */
  exitCode?: ExitCode;
  /** Extra machine-readable detail for --json output. */
  details?: Record<string, unknown>;
}

export class OtpError extends Error {
  readonly code: string;
  readonly resolution: string | undefined;
  readonly exitCode: ExitCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: OtpErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OtpError';
    this.code = code;
    this.resolution = options.resolution;
    this.exitCode = options.exitCode ?? 1;
    this.details = options.details;
  }
}

export function usageError(code: string, message: string, resolution?: string, details?: Record<string, unknown>): OtpError {
  return new OtpError(code, message, { resolution, exitCode: 2, details });
}

export function isOtpError(value: unknown): value is OtpError {
  return value instanceof OtpError;
}

/** Thrown when the user interrupts a run (Ctrl-C); the runner saves state before raising it. */
export class InterruptedError extends OtpError {
  constructor(message = 'Interrupted. State was saved after the last completed call; run the same command again to resume.') {
    super('INTERRUPTED', message);
  }
}

const NOT_WRITABLE = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT']);

/** A write refused by the file system (permissions, read-only mount, immutable flag, full disk): the user's to fix. */
export function isNotWritable(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && NOT_WRITABLE.has((err as NodeJS.ErrnoException).code ?? '');
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
