import { randomBytes, randomInt } from 'node:crypto';
import { CUSTOM_CHALLENGE, type SessionEntry } from './events.js';
import { digestsEqual, keyedHash } from './secret.js';

/** Returns an integer in [0, maxExclusive). Injected in tests; production uses the CSPRNG. */
export type RandomInt = (maxExclusive: number) => number;

// crypto.randomInt's upper bound is exclusive: randomInt(0, 9) never yields 9
// (https://nodejs.org/api/crypto.html#cryptorandomintmin-max-callback).
export const cryptoRandomInt: RandomInt = (maxExclusive) => randomInt(maxExclusive);

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

/**
 * What the session keeps of an issued code: never the code itself (ASVS 2.7.5), only a keyed
 * hash of it with a per-code salt, plus its expiry and length. Verify recomputes the hash of the
 * answer; someone who reads the session without the stack's key learns nothing about the code.
 */
export interface SealedCode {
  /** 16 random bytes, base64url. */
  salt: string;
  /** HMAC-SHA256(key, salt, expiresAt, code), base64url. */
  digest: string;
  /** Epoch milliseconds after which Verify rejects the code. */
  expiresAt: number;
  length: number;
}

function digestOf(key: Buffer, salt: string, expiresAt: number, code: string): Buffer {
  return keyedHash(key, 'otp-code-v2', salt, String(expiresAt), code);
}

export function sealCode(key: Buffer, code: string, expiresAt: number, salt: string = randomBytes(16).toString('base64url')): SealedCode {
  return { salt, digest: digestOf(key, salt, expiresAt, code).toString('base64url'), expiresAt, length: code.length };
}

/** Constant time in the answer's content: the answer is hashed whatever it is, then digests compared. */
export function answerMatches(key: Buffer, sealed: SealedCode, answer: string): boolean {
  const expected = Buffer.from(sealed.digest, 'base64url');
  const actual = digestOf(key, sealed.salt, sealed.expiresAt, answer);
  return digestsEqual(expected, actual);
}

const SALT = /^[A-Za-z0-9_-]{22}$/;
const DIGEST = /^[A-Za-z0-9_-]{43}$/;

/** The sealed code as private challenge parameters (Verify's input); undefined when malformed. */
export function sealedFromParameters(params: Record<string, unknown>): SealedCode | undefined {
  const { salt, digest, expiresAt, codeLength } = params;
  if (typeof salt !== 'string' || !SALT.test(salt) || typeof digest !== 'string' || !DIGEST.test(digest)) return undefined;
  if (typeof expiresAt !== 'string' || !/^\d{1,15}$/.test(expiresAt)) return undefined;
  if (typeof codeLength !== 'string' || !/^\d{1,2}$/.test(codeLength)) return undefined;
  return { salt, digest, expiresAt: Number(expiresAt), length: Number(codeLength) };
}

export function sealedToParameters(sealed: SealedCode): { salt: string; digest: string; expiresAt: string; codeLength: string } {
  return { salt: sealed.salt, digest: sealed.digest, expiresAt: String(sealed.expiresAt), codeLength: String(sealed.length) };
}

// Why the sealed code travels in challengeMetadata: Create runs again for every round, and
// without state it would mint (and email) a fresh code per typo. Cognito keeps
// challengeMetadata in its server-side session and hands it back only to the Define and Create
// triggers via request.session[]; it is never returned to the client (the pattern the
// aws-samples passwordless examples use). Only the salted, keyed hash is in it, never the code.
const METADATA = /^otp-v2:(\d{1,2}):(\d{13,15}):([A-Za-z0-9_-]{22}):([A-Za-z0-9_-]{43})$/;

export function encodeMetadata(sealed: SealedCode): string {
  return `otp-v2:${sealed.length}:${String(sealed.expiresAt).padStart(13, '0')}:${sealed.salt}:${sealed.digest}`;
}

export function decodeMetadata(value: string | undefined): SealedCode | undefined {
  const match = value === undefined ? null : METADATA.exec(value);
  if (!match || !match[1] || !match[2] || !match[3] || !match[4]) return undefined;
  return { length: Number(match[1]), expiresAt: Number(match[2]), salt: match[3], digest: match[4] };
}

/** The code sealed earlier in this session, if any; foreign entries (SRP_A, ...) never carry one. */
export function findIssuedCode(session: readonly SessionEntry[]): SealedCode | undefined {
  for (let i = session.length - 1; i >= 0; i--) {
    const entry = session[i];
    if (entry?.challengeName !== CUSTOM_CHALLENGE) continue;
    const sealed = decodeMetadata(entry.challengeMetadata);
    if (sealed) return sealed;
  }
  return undefined;
}
