import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { OtpError, isOtpError } from '../core/errors.js';
import type { IoHost } from '../core/io.js';

/** What a sign-in code looks like before it is sent: the digits from the email. */
export const CODE_PATTERN = /^\s*\d{4,10}\s*$/;

export interface CodeSource {
  /** The next code to try, or undefined when there is none (stdin ended). */
  next(hint: string): Promise<string | undefined>;
  close(): void;
}

/** Where codes come from: `first` (--code), then a prompt on a terminal, or stdin lines otherwise. */
export function codeSource(io: IoHost, stdin: Readable, first: string | undefined): CodeSource {
  let pendingFirst = first;
  let lines: AsyncIterator<string, undefined> | undefined;
  let rl: ReturnType<typeof createInterface> | undefined;
  return {
    async next(hint) {
      if (pendingFirst !== undefined) {
        const c = pendingFirst;
        pendingFirst = undefined;
        return c.trim();
      }
      if (io.interactive) {
        try {
          const answer = await io.ask(hint, {
            mask: true,
            validate: (v) => (CODE_PATTERN.test(v) ? true : 'Enter the digits from the email.'),
          });
          return answer.trim();
        } catch (err) {
          if (isOtpError(err) && err.code === 'CANCELLED') throw new OtpError('CANCELLED', 'Sign-in cancelled: no code was entered.');
          throw err;
        }
      }
      if (!lines) {
        io.info(`${hint} (reading it from stdin)`);
        rl = createInterface({ input: stdin, crlfDelay: Infinity, terminal: false });
        lines = rl[Symbol.asyncIterator]();
      }
      for (;;) {
        const { value, done } = await lines.next();
        if (done) return undefined;
        if (value.trim() !== '') return value.trim();
      }
    },
    close() {
      rl?.close();
    },
  };
}
