import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { runInProcess } from '../../support/in-process.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const EXAMPLE = join(ROOT, 'examples', 'vite-app');
let dir: string;

async function project(frontend: Record<string, unknown> = {}, otp: Record<string, unknown> = {}): Promise<string> {
  await writeFile(join(dir, 'otp-setup.config.json'), JSON.stringify({ email: { from: 'a@example.com' }, otp, frontend }));
  return dir;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'otp-scaffold-'));
});

describe('otp-setup scaffold', () => {
  it("writes the module with the preset's key names and the configured attempts", async () => {
    await project({ preset: 'next' }, { maxAttempts: 5 });
    const result = await runInProcess(['scaffold', '--json'], { cwd: dir });
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
    const refused = await runInProcess(['scaffold', '--out', 'lib/auth.ts'], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('SCAFFOLD_EXISTS');
    expect(refused.stderr).toContain('--force');
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    expect(await readFile(out, 'utf8')).toBe('// my own code\n');

    const forced = await runInProcess(['scaffold', '--out', 'lib/auth.ts', '--force', '--json'], { cwd: dir });
    expect(forced.json).toMatchObject({ ok: true, action: 'overwritten' });
    expect(await readFile(out, 'utf8')).toContain('import.meta.env.VITE_EMAIL_OTP_USER_POOL_ID');
    // Re-running on its own unchanged output is fine without --force.
    const again = await runInProcess(['scaffold', '--out', 'lib/auth.ts', '--json'], { cwd: dir });
    expect(again.json).toMatchObject({ ok: true, action: 'unchanged' });
  });

  it('explains a missing config, a folder as --out and a bad --env-access', async () => {
    const missing = await runInProcess(['scaffold', '--json'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.json).toMatchObject({ ok: false, error: { code: 'CONFIG_NOT_FOUND' } });
    await project();
    await mkdir(join(dir, 'src'));
    const folder = await runInProcess(['scaffold', '--out', 'src', '--json'], { cwd: dir });
    expect(folder.json).toMatchObject({ ok: false, error: { code: 'SCAFFOLD_OUT_IS_FOLDER' } });
    const access = await runInProcess(['scaffold', '--env-access', 'window.env'], { cwd: dir });
    expect(access.code).toBe(2);
    expect(access.stderr).toContain('import.meta.env');
  });

  it("the example app's module is byte-identical to what scaffold generates", async () => {
    const out = join(dir, 'otp-auth.ts');
    const result = await runInProcess(['scaffold', '--config', join(EXAMPLE, 'otp-setup.config.json'), '--out', out], { cwd: dir });
    expect(result.code).toBe(0);
    expect(await readFile(out, 'utf8')).toBe(await readFile(join(EXAMPLE, 'src', 'auth', 'otp-auth.ts'), 'utf8'));
  });
});
