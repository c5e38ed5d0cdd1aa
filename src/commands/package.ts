import { access, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadConfig, parseConfig } from '../config/load-config.js';
import { resourceNames } from '../config/resource-names.js';
import { OtpError, usageError, errorMessage } from '../core/errors.js';
import { assertWritableDir } from '../core/make-dirs.js';
import type { CommandEnv } from './deps.js';
import { configPath, loadTemplates } from './stack-context.js';

export interface PackageOptions {
  out: string;
}

/** Writes the exact zips `up` deploys. Works without a config file (the guide's names). */
export async function packageCommand(env: CommandEnv, options: PackageOptions): Promise<number> {
  const { io } = env;
  const path = configPath(env);
  const hasConfig = await access(path).then(
    () => true,
    () => false,
  );
  const loaded = hasConfig
    ? await loadConfig(path, { stage: env.global.stage, region: env.global.region })
    : {
        config: parseConfig({ email: { from: 'noreply@example.com' }, ...(env.global.stage ? { stage: env.global.stage } : {}) }),
        dir: env.deps.cwd,
      };
  if (!hasConfig) io.info(`No ${path}: using the default names and templates.`);
  const names = resourceNames(loaded.config);
  const templates = await loadTemplates(loaded.config, loaded.dir);
  const { writePackages } = await import('../package/write-packages.js');
  const outDir = resolve(env.deps.cwd, options.out);
  if ((await stat(outDir).catch(() => undefined))?.isDirectory() === false) {
    throw usageError(
      'OUT_NOT_A_FOLDER',
      `--out ${options.out} is a file, not a folder.`,
      'Give a folder for the zips; it is created if missing.',
    );
  }
  const cannotWrite = (err: unknown): OtpError =>
    new OtpError('PACKAGE_WRITE_FAILED', `Cannot write the packages to ${outDir}: ${errorMessage(err)}`, {
      cause: err,
      resolution: 'Give --out a folder you can write to (it is created if missing), on a normal file system.',
    });
  // Before the build: a folder that cannot be written fails in a moment, not after bundling.
  await assertWritableDir(outDir).catch((err: unknown) => {
    throw cannotWrite(err);
  });
  let written;
  try {
    written = await writePackages(outDir, names.functions, templates ? { templates } : {});
  } catch (err) {
    throw cannotWrite(err);
  }
  for (const p of written) io.out(`${p.path}  ${p.bytes} bytes  sha256 ${p.codeSha256}`);
  io.result({ ok: true, command: 'package', outDir, packages: written });
  return 0;
}
