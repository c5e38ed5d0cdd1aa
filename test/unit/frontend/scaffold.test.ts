import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const EXAMPLE = join(ROOT, 'examples', 'vite-app');
let dir: string;

async function project(frontend: Record<string, unknown> = {}, otp: Record<string, unknown> = {}): Promise<string> {
  await writeFile(join(dir, 'otp-setup.config.json'), JSON.stringify({ email: { from: 'a@example.com' }, otp, frontend }));
  return dir;
}

beforeAll(async () => {
  // The CLI under test is the built one (npm run build), exactly as users run it.
  await readFile(join(ROOT, 'dist', 'src', 'commands', 'scaffold.js')).catch(() => {
    throw new Error('dist/ is missing or stale: run "npm run build" before these tests.');
  });
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'otp-scaffold-'));
});

describe('otp-setup scaffold', () => {
  it("writes the module with the preset's key names and the configured attempts", async () => {
    await project({ preset: 'next' }, { maxAttempts: 5 });
    const result = await runCli(['scaffold', '--json'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.json).toMatchObject({ ok: true, action: 'created', preset: 'next', envAccess: 'process.env', maxAttempts: 5 });
    const text = await readFile(join(dir, 'src', 'auth', 'otp-auth.ts'), 'utf8');
    expect(text).toContain('userPoolId: process.env.NEXT_PUBLIC_EMAIL_OTP_USER_POOL_ID,');
    expect(text).toContain('endpoint: process.env.NEXT_PUBLIC_EMAIL_OTP_ENDPOINT,');
    expect(text).toContain('export const MAX_ATTEMPTS = 5;');
    expect(text).not.toMatch(/\{\{|import\.meta|Math\.random/);
  });

  it("refuses to overwrite a user's file without --force, and overwrites it with --force", async () => {
    await project();
    const out = join(dir, 'lib', 'auth.ts');
    await mkdir(join(dir, 'lib'));
    await writeFile(out, '// my own code\n');
    const refused = await runCli(['scaffold', '--out', 'lib/auth.ts'], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('SCAFFOLD_EXISTS');
    expect(refused.stderr).toContain('--force');
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    expect(await readFile(out, 'utf8')).toBe('// my own code\n');

    const forced = await runCli(['scaffold', '--out', 'lib/auth.ts', '--force', '--json'], { cwd: dir });
    expect(forced.json).toMatchObject({ ok: true, action: 'overwritten' });
    expect(await readFile(out, 'utf8')).toContain('import.meta.env.VITE_EMAIL_OTP_USER_POOL_ID');
    // Re-running on its own unchanged output is fine without --force.
    const again = await runCli(['scaffold', '--out', 'lib/auth.ts', '--json'], { cwd: dir });
    expect(again.json).toMatchObject({ ok: true, action: 'unchanged' });
  });

  it('explains a missing config, a folder as --out and a bad --env-access', async () => {
    const missing = await runCli(['scaffold', '--json'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.json).toMatchObject({ ok: false, error: { code: 'CONFIG_NOT_FOUND' } });
    await project();
    await mkdir(join(dir, 'src'));
    const folder = await runCli(['scaffold', '--out', 'src', '--json'], { cwd: dir });
    expect(folder.json).toMatchObject({ ok: false, error: { code: 'SCAFFOLD_OUT_IS_FOLDER' } });
    const access = await runCli(['scaffold', '--env-access', 'window.env'], { cwd: dir });
    expect(access.code).toBe(2);
    expect(access.stderr).toContain('import.meta.env');
  });

  it("the example app's module is byte-identical to what scaffold generates", async () => {
    const out = join(dir, 'otp-auth.ts');
    const result = await runCli(['scaffold', '--config', join(EXAMPLE, 'otp-setup.config.json'), '--out', out], { cwd: dir });
    expect(result.code).toBe(0);
    expect(await readFile(out, 'utf8')).toBe(await readFile(join(EXAMPLE, 'src', 'auth', 'otp-auth.ts'), 'utf8'));
  });

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
      const result = await runCli(['scaffold', '--config', `${name}.json`, '--out', `${name}/otp-auth.ts`, ...flags], { cwd: work });
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
