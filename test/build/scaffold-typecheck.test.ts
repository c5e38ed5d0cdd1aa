import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runInProcess } from '../support/in-process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('otp-setup scaffold', () => {
  it('generates a module that typechecks against aws-amplify for every preset', async () => {
    // Under the repository so that aws-amplify and vite resolve from its node_modules.
    const work = join(ROOT, 'test-output', 'scaffold-typecheck');
    await rm(work, { recursive: true, force: true });
    await mkdir(work, { recursive: true });
    const presets: [string, Record<string, unknown>, string[]][] = [
      ['vite', { preset: 'vite' }, []],
      ['next', { preset: 'next' }, []],
      ['cra', { preset: 'cra' }, []],
      ['expo', { preset: 'expo' }, []],
      ['custom', { preset: 'custom', prefix: 'MY_APP_' }, []],
      ['custom-vite', { preset: 'custom', prefix: 'PUBLIC_' }, ['--env-access', 'import.meta.env']],
    ];
    for (const [name, frontend, flags] of presets) {
      await writeFile(join(work, `${name}.json`), JSON.stringify({ email: { from: 'a@example.com' }, frontend }));
      const result = await runInProcess(['scaffold', '--config', `${name}.json`, '--out', `${name}/otp-auth.ts`, ...flags], { cwd: work });
      expect(result.stderr).toBe('');
    }
    await writeFile(
      join(work, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'ESNext',
          moduleResolution: 'Bundler',
          lib: ['ES2022', 'DOM'],
          types: ['node'],
          strict: true,
          noUncheckedIndexedAccess: true,
          isolatedModules: true,
          noEmit: true,
          skipLibCheck: true,
        },
        include: presets.map(([name]) => `${name}/otp-auth.ts`),
      }),
    );
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const outcome = await promisify(execFile)(process.execPath, [tsc, '-p', join(work, 'tsconfig.json')]).then(
      () => 'typechecks',
      (e: { stdout: string; stderr: string }) => `${e.stdout}${e.stderr}`,
    );
    expect(outcome).toBe('typechecks');
  }, 120_000);
});
