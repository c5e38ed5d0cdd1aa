import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.js';
import { newHandlerKey } from '../spec/handler-environment.js';

const FILE = 'handler-key';

/**
 * The secret the sandbox gives Create and Verify (OTP_HMAC_KEY), kept on disk (mode 0600) next to
 * the signing key: sign-in sessions and lockouts survive a restart, as they would on AWS, where
 * the key lives in the functions' environment.
 */
export async function loadHandlerKey(dir: string): Promise<string> {
  const path = join(dir, FILE);
  try {
    const stored = (await readFile(path, 'utf8')).trim();
    if (/^[\w-]{43,}$/.test(stored)) return stored;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const key = newHandlerKey();
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(path, `${key}\n`, 0o600);
  return key;
}
