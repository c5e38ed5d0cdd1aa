import { mkdir, open, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

const missingOk = (err: NodeJS.ErrnoException): undefined => {
  if (err.code === 'ENOENT') return undefined;
  throw err;
};

/**
 * `mkdir -p` without `{ recursive: true }`: under Node 20 a recursive mkdir never settles when the
 * file system answers ENOENT for a folder whose parent exists (e.g. /proc/x), so the command hung.
 * Each missing level is created on its own, and that ENOENT becomes an error at once.
 */
export async function makeDirs(path: string): Promise<void> {
  const missing: string[] = [];
  let current = resolve(path);
  for (;;) {
    const found = await stat(current).catch(missingOk);
    if (found) {
      if (!found.isDirectory())
        throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${current}'`), { code: 'ENOTDIR', path: current });
      break;
    }
    missing.unshift(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const dir of missing) {
    await mkdir(dir).catch(async (err: NodeJS.ErrnoException) => {
      // Another process made it in the meantime.
      if (err.code === 'EEXIST' && (await stat(dir)).isDirectory()) return;
      throw err;
    });
  }
}

/** Creates the folder if needed and proves a file can be created in it, before any slow work. */
export async function assertWritableDir(path: string): Promise<void> {
  await makeDirs(path);
  const probe = join(path, `.otp-setup-write-check.${process.pid}.tmp`);
  const handle = await open(probe, 'wx', 0o600);
  await handle.close();
  await unlink(probe);
}
