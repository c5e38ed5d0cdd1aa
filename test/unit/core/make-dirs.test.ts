import { existsSync } from 'node:fs';
import { mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertWritableDir, makeDirs } from '../../../src/core/make-dirs.js';

describe('makeDirs', () => {
  it('creates every missing level, and accepts a folder that exists', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'otp-setup-dirs-'));
    await makeDirs(join(dir, 'a', 'b', 'c'));
    expect((await stat(join(dir, 'a', 'b', 'c'))).isDirectory()).toBe(true);
    await makeDirs(join(dir, 'a', 'b', 'c'));
  });

  it('refuses a path through a file with ENOTDIR', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'otp-setup-dirs-'));
    await writeFile(join(dir, 'file'), 'x');
    await expect(makeDirs(join(dir, 'file', 'sub'))).rejects.toMatchObject({ code: 'ENOTDIR' });
  });

  // Node 20's mkdir(…, { recursive: true }) never settles here; a hang fails this test by its timeout.
  it.runIf(existsSync('/proc/self'))(
    'fails at once where the file system answers ENOENT (/proc)',
    async () => {
      await expect(makeDirs('/proc/otp-setup-nope/deeper')).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(assertWritableDir('/proc/otp-setup-nope')).rejects.toMatchObject({ code: 'ENOENT' });
    },
    10_000,
  );
});
