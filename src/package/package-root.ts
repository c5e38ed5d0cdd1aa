import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The directory holding package.json, handlers/ and templates/. This module runs from
 * src/package/ under vitest and from dist/src/package/ once built, so walk up instead of
 * hard-coding a depth.
 */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'handlers')) && existsSync(join(dir, 'templates'))) {
      cached = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error(`otp-setup: cannot find the package root (handlers/, templates/) above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}
