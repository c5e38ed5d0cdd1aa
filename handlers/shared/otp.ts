import { randomInt } from 'node:crypto';
import { CUSTOM_CHALLENGE, type SessionEntry } from './events.js';

/** Returns an integer in [0, maxExclusive). Injected in tests; production uses the CSPRNG. */
export type RandomInt = (maxExclusive: number) => number;

// crypto.randomInt's upper bound is exclusive: randomInt(0, 9) never yields 9 (pitfall 2).
export const cryptoRandomInt: RandomInt = (maxExclusive) => randomInt(maxExclusive);

export const CODE_PATTERN = /^\d{4,10}$/;

/** One CSPRNG draw per digit, kept as a string so leading zeros survive. */
export function generateCode(length: number, rand: RandomInt = cryptoRandomInt): string {
  let code = '';
  for (let i = 0; i < length; i++) {
    const digit = rand(10);
    if (!Number.isInteger(digit) || digit < 0 || digit > 9) throw new RangeError('random source returned a non-digit');
    code += String(digit);
  }
  return code;
}

export interface IssuedCode {
  code: string;
  /** Epoch milliseconds after which Verify rejects the code. */
  expiresAt: number;
}

// Why the code travels in challengeMetadata: Create runs again for every round, and without state
// it would mint (and email) a fresh code per typo (pitfall 6). Cognito keeps challengeMetadata in
// its server-side session and hands it back only to the Define and Create triggers via
// request.session[]; it is never returned to the client (the pattern the aws-samples passwordless
// examples use). It is, however, part of the event, which is one more reason never to log events.
const METADATA = /^otp-v1:(\d{4,10}):(\d{13,15})$/;

export function encodeMetadata(issued: IssuedCode): string {
  return `otp-v1:${issued.code}:${String(issued.expiresAt).padStart(13, '0')}`;
}

export function decodeMetadata(value: string | undefined): IssuedCode | undefined {
  const match = value === undefined ? null : METADATA.exec(value);
  if (!match || match[1] === undefined || match[2] === undefined) return undefined;
  return { code: match[1], expiresAt: Number(match[2]) };
}

/** The code issued earlier in this session, if any; foreign entries (SRP_A, ...) never carry one. */
export function findIssuedCode(session: readonly SessionEntry[]): IssuedCode | undefined {
  for (let i = session.length - 1; i >= 0; i--) {
    const entry = session[i];
    if (entry?.challengeName !== CUSTOM_CHALLENGE) continue;
    const issued = decodeMetadata(entry.challengeMetadata);
    if (issued) return issued;
  }
  return undefined;
}
