import { createHmac, timingSafeEqual } from 'node:crypto';
import { ConfigError, type EnvSource } from './settings.js';

/**
 * The per-stack secret `otp-setup up` generates and gives to Create and Verify as OTP_HMAC_KEY
 * (base64url, 32 random bytes). It keys two things an attacker who reads our storage must not
 * be able to reverse: the code's hash in the Cognito session (a plain hash of a 10^6 space is
 * reversed in milliseconds; ASVS 2.7.5 asks for the code not to be stored) and the rate-limit
 * table's address keys (plain SHA-256 of an address is a dictionary lookup away from it).
 * Never logged: the logger drops keys named like it, and no handler passes it anywhere.
 */
export function readHmacKey(env: EnvSource): Buffer {
  const value = env.OTP_HMAC_KEY?.trim();
  if (!value) throw new ConfigError('OTP_HMAC_KEY', 'OTP_HMAC_KEY is not set: re-run `otp-setup up` to give the functions their key');
  const key = /^[A-Za-z0-9_-]+$/.test(value) ? Buffer.from(value, 'base64url') : Buffer.alloc(0);
  if (key.length < 32) throw new ConfigError('OTP_HMAC_KEY', 'OTP_HMAC_KEY is invalid: expected at least 32 bytes, base64url-encoded');
  return key;
}

/** HMAC-SHA256 over the parts, each length-prefixed so no two different lists collide. */
export function keyedHash(key: Buffer, ...parts: string[]): Buffer {
  const mac = createHmac('sha256', key);
  for (const part of parts) {
    const bytes = Buffer.from(part, 'utf8');
    mac.update(`${bytes.length}:`);
    mac.update(bytes);
  }
  return mac.digest();
}

/** Constant-time equality for equal-length digests; a length mismatch says nothing about content. */
export function digestsEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
