import type { IncomingMessage } from 'node:http';

/** The largest request body the sandbox reads (1 MiB; every Cognito request is far smaller). */
export const MAX_BODY = 1 << 20;
/** Past this much, the request is not worth reading to the end to answer it politely. */
const MAX_DISCARD = 16 << 20;

export class BodyTooLarge extends Error {}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
      // Keep reading (and dropping) so the caller gets an answer, not a reset connection.
      else if (size > MAX_DISCARD) req.destroy();
    });
    req.on('end', () => (size > MAX_BODY ? reject(new BodyTooLarge()) : resolve(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}
