// Builds otp-setup as of a git ref (BENCH_SANDBOX_BASELINE=<ref>) in a temporary folder, sharing
// this checkout's node_modules, so the bench can measure it side by side with the working tree.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, run } from './processes.mjs';

export async function buildBaseline(ref, log) {
  const dir = await mkdtemp(join(tmpdir(), 'otp-bench-baseline-'));
  log(`baseline: building ${ref} in ${dir}`);
  const archive = await run('bash', ['-c', `git -C "${ROOT}" archive "${ref}" | tar -x -C "${dir}"`]);
  if (archive.code !== 0) throw new Error(`git archive ${ref} failed: ${archive.stderr}`);
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  const built = await run('npm', ['run', 'build'], { cwd: dir });
  if (built.code !== 0 || !existsSync(join(dir, 'bin', 'otp-setup.js')))
    throw new Error(`npm run build of ${ref} failed: ${built.stderr.slice(-2000)}`);
  return { bin: join(dir, 'bin', 'otp-setup.js'), cleanup: () => rm(dir, { recursive: true, force: true }) };
}
