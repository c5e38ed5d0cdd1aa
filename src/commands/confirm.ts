import { usageError } from '../core/errors.js';
import type { IoHost } from '../core/io.js';

export interface ConfirmationRequest {
  /** --yes: the user confirmed on the command line. */
  yes: boolean | undefined;
  /** What the command does that needs a yes, for the refusal without a terminal, e.g. "teardown deletes resources". */
  needs: string;
  /** Printed when the user declines, e.g. "Nothing was deleted." */
  declined: string;
  /** The --json result when the user declines; `ok: false, cancelled: true` are added. */
  result: Record<string, unknown>;
}

/**
 * The one confirmation of a destructive or irreversible command: --yes, else a yes/no question on
 * a terminal; without a terminal it refuses (exit 2) rather than guess. Answers whether to go on;
 * on a "no" it has already said so, and the command returns 1.
 */
export async function requireConfirmation(io: IoHost, question: string, request: ConfirmationRequest): Promise<boolean> {
  if (request.yes) return true;
  if (!io.interactive) {
    throw usageError(
      'CONFIRMATION_REQUIRED',
      `${request.needs} and needs confirmation.`,
      'Run it in a terminal to confirm, or pass --yes.',
    );
  }
  if (await io.confirm(question)) return true;
  io.out(request.declined);
  io.result({ ok: false, ...request.result, cancelled: true });
  return false;
}
