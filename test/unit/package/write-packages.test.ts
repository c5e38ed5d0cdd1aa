import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHandlers, sha256Base64 } from '../../../src/package/build-handlers.js';
import type { FunctionKind } from '../../../src/config/function-kinds.js';
import { writePackages } from '../../../src/package/write-packages.js';

const NAMES: Record<FunctionKind, string> = {
  'define-auth-challenge': 'email-otp-define-auth-challenge-dev',
  'create-auth-challenge': 'email-otp-create-auth-challenge-dev',
  'verify-auth-challenge': 'email-otp-verify-auth-challenge-dev',
  'pre-sign-up': 'email-otp-pre-sign-up-dev',
  'post-authentication': 'email-otp-post-authentication-dev',
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'otp-packages-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writePackages', () => {
  it('writes <function-name>.zip per function, creating the directory, matching buildHandlers', async () => {
    const out = join(dir, 'nested', 'out');
    const written = await writePackages(out, NAMES);
    const built = await buildHandlers();
    expect(written.map((w) => w.kind)).toEqual([
      'define-auth-challenge',
      'create-auth-challenge',
      'verify-auth-challenge',
      'pre-sign-up',
      'post-authentication',
    ]);
    expect((await readdir(out)).sort()).toEqual(
      Object.values(NAMES)
        .map((n) => `${n}.zip`)
        .sort(),
    );
    for (const w of written) {
      expect(w.path).toBe(join(out, `${NAMES[w.kind]}.zip`));
      const bytes = await readFile(w.path);
      expect(bytes.length).toBe(w.bytes);
      expect(sha256Base64(bytes)).toBe(w.codeSha256);
      expect(w.codeSha256).toBe(built[w.kind].codeSha256);
    }
  });

  it('writes only the requested kinds and is repeatable', async () => {
    const out = join(dir, 'some');
    const a = await writePackages(out, NAMES, { kinds: ['verify-auth-challenge'] });
    const b = await writePackages(out, NAMES, { kinds: ['verify-auth-challenge'] });
    expect(await readdir(out)).toEqual([`${NAMES['verify-auth-challenge']}.zip`]);
    expect(b).toEqual(a);
  });

  it('rejects function names that are not Lambda names (and could escape outDir)', async () => {
    await expect(writePackages(join(dir, 'bad'), { ...NAMES, 'pre-sign-up': '../evil' })).rejects.toThrow(/invalid Lambda function name/);
    await expect(writePackages(join(dir, 'bad'), { ...NAMES, 'pre-sign-up': '' })).rejects.toThrow(/invalid Lambda function name/);
  });
});
