import { readFile, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { loadConfig } from '../config/load-config.js';
import { OtpError, usageError, errorMessage } from '../core/errors.js';
import { writeFileAtomic } from '../core/atomic-file.js';
import { renderClientModule } from '../frontend/client-module.js';
import { defaultEnvAccess, envKeyNames, type EnvAccess } from '../frontend/env-keys.js';
import type { CommandEnv } from './deps.js';
import { configPath } from './stack-context.js';

export interface ScaffoldOptions {
  out?: string;
  force?: boolean;
  envAccess?: string;
}

const DEFAULT_SCAFFOLD_OUT = 'src/auth/otp-auth.ts';
const ENV_ACCESS: readonly EnvAccess[] = ['import.meta.env', 'process.env'];

async function existing(path: string, out: string): Promise<string | undefined> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return undefined;
  if (info.isDirectory()) {
    throw usageError('SCAFFOLD_OUT_IS_FOLDER', `${path} is a folder.`, `Pass a file name, e.g. --out ${join(out, 'otp-auth.ts')}.`);
  }
  return readFile(path, 'utf8');
}

/** True when the app's package.json exists and does not list aws-amplify (worth a hint). */
async function missingAmplify(cwd: string): Promise<boolean> {
  const text = await readFile(resolve(cwd, 'package.json'), 'utf8').catch(() => undefined);
  if (text === undefined) return false;
  try {
    const pkg = JSON.parse(text) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
    return !pkg.dependencies?.['aws-amplify'] && !pkg.devDependencies?.['aws-amplify'];
  } catch {
    return false;
  }
}

/** Writes the typed sign-in client into the user's app. Reads only the config; no AWS calls. */
export async function scaffoldCommand(env: CommandEnv, options: ScaffoldOptions): Promise<number> {
  const { io, deps } = env;
  if (options.envAccess !== undefined && !ENV_ACCESS.includes(options.envAccess as EnvAccess)) {
    throw usageError('INVALID_ENV_ACCESS', `--env-access ${options.envAccess} is not supported.`, `Use ${ENV_ACCESS.join(' or ')}.`);
  }
  const { config } = await loadConfig(configPath(env));
  const envAccess = (options.envAccess as EnvAccess | undefined) ?? defaultEnvAccess(config.frontend.preset);
  const out = options.out ?? DEFAULT_SCAFFOLD_OUT;
  const path = resolve(deps.cwd, out);
  const text = await renderClientModule({ frontend: config.frontend, maxAttempts: config.otp.maxAttempts, envAccess });
  const before = await existing(path, out);
  let action: 'created' | 'overwritten' | 'unchanged';
  if (before === text) {
    action = 'unchanged';
  } else {
    if (before !== undefined && !options.force) {
      throw usageError(
        'SCAFFOLD_EXISTS',
        `${path} already exists and differs from the generated module.`,
        'Pass --force to overwrite it (your changes there are lost), or --out <file> to write elsewhere.',
        { path },
      );
    }
    try {
      await writeFileAtomic(path, text);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new OtpError('SCAFFOLD_UNWRITABLE', `Cannot write ${path} (${code ?? errorMessage(err)}).`, {
        cause: err,
        resolution: 'Make its folder writable, or pass --out <file> to write elsewhere.',
      });
    }
    action = before === undefined ? 'created' : 'overwritten';
  }
  const keys = envKeyNames(config.frontend);
  io.out(
    action === 'unchanged'
      ? `${path} is already up to date.`
      : `Wrote ${path} (${config.frontend.preset} preset, reads ${envAccess}.${keys.userPoolId} and friends).`,
  );
  if (await missingAmplify(deps.cwd)) io.out('Next: npm install aws-amplify@6');
  io.out(`Use it: import { requestCode, submitCode, currentUser, signOut } from the module at ${relative(deps.cwd, path)}.`);
  io.result({
    ok: true,
    command: 'scaffold',
    path,
    action,
    preset: config.frontend.preset,
    envAccess,
    keys: Object.values(keys),
    maxAttempts: config.otp.maxAttempts,
  });
  return 0;
}
