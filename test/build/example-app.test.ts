import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('examples/vite-app', () => {
  // Vite's build strips types without checking them, so the browser test alone would not notice.
  it('typechecks with the scaffolded module, aws-amplify and vite types', async () => {
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const outcome = await promisify(execFile)(process.execPath, [tsc, '-p', join(ROOT, 'examples', 'vite-app', 'tsconfig.json')]).then(
      () => 'typechecks',
      (e: { stdout: string; stderr: string }) => `${e.stdout}${e.stderr}`,
    );
    expect(outcome).toBe('typechecks');
  }, 120_000);
});
