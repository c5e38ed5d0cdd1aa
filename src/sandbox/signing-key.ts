import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { chmod, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.js';
import { OtpError, errorMessage } from '../core/errors.js';

export interface PublicJwk {
  kid: string;
  kty: 'RSA';
  alg: 'RS256';
  use: 'sig';
  n: string;
  e: string;
}

export interface SigningKey {
  kid: string;
  jwk: PublicJwk;
  signJwt(payload: Record<string, unknown>): string;
  /** The payload when the signature is ours and the token well-formed; otherwise undefined. */
  readJwt(token: string): Record<string, unknown> | undefined;
}

const FILE = 'signing-key.json';

/**
 * The RSA key the sandbox signs tokens with, kept on disk (mode 0600) so tokens issued before a
 * restart still verify against the served JWKS, as they would against a real pool.
 */
export async function loadSigningKey(dir: string): Promise<SigningKey> {
  const path = join(dir, FILE);
  let privateKey: KeyObject;
  try {
    const stored = JSON.parse(await readFile(path, 'utf8')) as { privateJwk?: JsonWebKey };
    if (!stored.privateJwk) throw new Error('no privateJwk');
    privateKey = createPrivateKey({ key: stored.privateJwk, format: 'jwk' });
    // The sandbox's own key file: others on the machine must not be able to mint its tokens.
    const { mode } = await stat(path);
    if ((mode & 0o077) !== 0) await chmod(path, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new OtpError('SANDBOX_KEY_CORRUPT', `The sandbox signing key ${path} is unreadable: ${errorMessage(err)}`, {
        cause: err,
        resolution: `Delete ${path}; the sandbox makes a new one (tokens issued with the old key stop verifying).`,
      });
    }
    privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    await writeFileAtomic(path, `${JSON.stringify({ privateJwk: privateKey.export({ format: 'jwk' }) })}\n`, 0o600);
  }
  return signingKeyFrom(privateKey);
}

function signingKeyFrom(privateKey: KeyObject): SigningKey {
  const publicJwk = createPublicKey(privateKey).export({ format: 'jwk' });
  const n = String(publicJwk.n);
  const e = String(publicJwk.e);
  // RFC 7638 thumbprint: a kid that changes only when the key does.
  const kid = createHash('sha256')
    .update(JSON.stringify({ e, kty: 'RSA', n }))
    .digest('base64url');
  const jwk: PublicJwk = { kid, kty: 'RSA', alg: 'RS256', use: 'sig', n, e };
  const publicKey = createPublicKey(privateKey);
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return {
    kid,
    jwk,
    signJwt(payload) {
      const input = `${b64({ kid, alg: 'RS256' })}.${b64(payload)}`;
      return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
    },
    readJwt(token) {
      const parts = token.split('.');
      if (parts.length !== 3) return undefined;
      const [header, body, signature] = parts as [string, string, string];
      try {
        const h = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: unknown; kid?: unknown };
        if (h.alg !== 'RS256' || h.kid !== kid) return undefined;
        if (!verify('sha256', Buffer.from(`${header}.${body}`), publicKey, Buffer.from(signature, 'base64url'))) return undefined;
        const payload: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
        return typeof payload === 'object' && payload !== null && !Array.isArray(payload)
          ? (payload as Record<string, unknown>)
          : undefined;
      } catch {
        return undefined;
      }
    },
  };
}
