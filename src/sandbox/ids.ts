import { createHash, randomBytes, randomUUID } from 'node:crypto';

// Every identifier comes from the CSPRNG: session and refresh tokens are bearer secrets.

const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const LOWER_ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyz0123456789';

function pick(alphabet: string, length: number): string {
  // Rejection sampling keeps every character equally likely (256 is not a multiple of 62).
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < limit && out.length < length) out += alphabet.charAt(byte % alphabet.length);
    }
  }
  return out;
}

/** Shaped like a real pool id (`us-east-1_AbC123xyz`) so SDK and Amplify validation accept it. */
export function newUserPoolId(region: string): string {
  return `${region}_sandbox${pick(ALPHANUMERIC, 2)}`;
}

/** Cognito app client ids are 26 lower-case letters and digits. */
export function newClientId(): string {
  return pick(LOWER_ALPHANUMERIC, 26);
}

export function newOpaqueToken(bytes = 48): string {
  return randomBytes(bytes).toString('base64url');
}

export const newUuid = (): string => randomUUID();

/** Bearer secrets are stored hashed, so the persisted sandbox state does not hand out sessions. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
