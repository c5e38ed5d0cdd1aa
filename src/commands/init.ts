import { access, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { parseConfig } from '../config/load-config.js';
import { EMAIL_PATTERN, REGION_PATTERN } from '../config/patterns.js';
import { STACK_ID } from '../config/schema.js';
import { newStackId } from '../config/stack-id.js';
import { usageError } from '../core/errors.js';
import { writeUserFile } from '../core/user-file.js';
import { packageRoot } from '../package/package-root.js';
import type { CommandEnv } from './deps.js';
import { configPath } from './stack-context.js';
import { cliName } from './summary.js';

export interface InitOptions {
  from?: string;
  force?: boolean;
  preset?: string;
}

/** The frameworks `init` offers; "custom" (any prefix) is set by editing frontend.prefix in the file. */
export const INIT_PRESETS = ['vite', 'next', 'cra', 'expo'] as const;

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * Editors complete the file from this. Always relative to the config file, so a committed config
 * works in every clone: the project's own node_modules/otp-setup when installed there, else the
 * running package (this clone, or a linked or global install).
 */
async function schemaReference(configFile: string): Promise<string> {
  const installed = join(dirname(configFile), 'node_modules', 'otp-setup', 'schema', 'otp-setup.config.schema.json');
  const schema = (await exists(installed)) ? installed : join(packageRoot(), 'schema', 'otp-setup.config.schema.json');
  const rel = relative(dirname(configFile), schema).split(sep).join('/');
  return rel.startsWith('../') || isAbsolute(rel) ? rel : `./${rel}`;
}

async function existingStackId(path: string): Promise<string | undefined> {
  try {
    const raw = JSON.parse((await readFile(path, 'utf8')).replace(/^\uFEFF/, '')) as { stackId?: unknown };
    return typeof raw.stackId === 'string' && STACK_ID.test(raw.stackId) ? raw.stackId : undefined;
  } catch {
    return undefined;
  }
}

export async function initCommand(env: CommandEnv, options: InitOptions): Promise<number> {
  const { io, global } = env;
  const path = configPath(env);
  if ((await exists(path)) && !options.force) {
    throw usageError('CONFIG_EXISTS', `${path} already exists.`, 'Edit it, or run "otp-setup init --force" to overwrite it.');
  }
  let from = options.from;
  let region = global.region;
  let preset = options.preset;
  const envRegion = env.deps.env.AWS_REGION;
  // Checked before any question: the user never typed it, so say where it came from.
  if (region === undefined && envRegion !== undefined && !REGION_PATTERN.test(envRegion)) {
    throw usageError(
      'INVALID_REGION',
      `AWS_REGION=${envRegion} (from the environment) is not an AWS region.`,
      'Fix or unset AWS_REGION, or pass --region us-east-1.',
    );
  }
  if (from === undefined) {
    if (global.yes || !io.interactive) {
      throw usageError(
        'MISSING_FROM',
        'The sender address is required.',
        'Pass --from noreply@your-domain.com (it must be an address you can receive mail at, to verify it in SES).',
      );
    }
    from = await io.ask('Sender address for the sign-in emails (verified in SES):', {
      validate: (v) => (EMAIL_PATTERN.test(v.trim()) ? true : 'Enter an email address such as noreply@example.com'),
    });
    region ??= await io.ask('AWS region:', {
      default: env.deps.env.AWS_REGION ?? 'us-east-1',
      validate: (v) => (REGION_PATTERN.test(v.trim()) ? true : 'Enter a region code such as us-east-1 or eu-west-1'),
    });
    region = region.trim();
    preset ??= (
      await io.ask(`Frontend framework (${INIT_PRESETS.join(', ')}; it decides the .env key prefix):`, {
        default: 'vite',
        validate: (v) => ((INIT_PRESETS as readonly string[]).includes(v.trim()) ? true : `Enter one of ${INIT_PRESETS.join(', ')}`),
      })
    ).trim();
  }
  // --force over a deployed stack's config keeps its id: a new one would make the stack foreign.
  const previousId = await existingStackId(path);
  const raw: Record<string, unknown> = {
    $schema: await schemaReference(path),
    stackId: previousId ?? newStackId(),
    region: region ?? envRegion ?? 'us-east-1',
    ...(global.stage ? { stage: global.stage } : {}),
    email: { from: from.trim() },
    otp: { length: 6, ttlSeconds: 180, maxAttempts: 3 },
    frontend: { envFile: '.env', preset: preset ?? 'vite' },
  };
  // Validated exactly as every other command will read it, so a bad --from fails here.
  parseConfig(raw, 'the values given to init', { 'email.from': '--from', stage: '--stage', region: '--region' });
  // --force over an existing config keeps its mode, owner and symlink, like every file of the user's.
  await writeUserFile(path, `${JSON.stringify(raw, null, 2)}\n`, { what: 'config file', field: '--config', code: 'CONFIG' });
  const cli = cliName(env.deps.env);
  io.out(`Wrote ${path}.`);
  io.out(
    previousId
      ? `Kept its stack id "${previousId}".`
      : `Stack id "${raw.stackId as string}": every resource up creates is tagged with it, and only resources carrying it are changed or deleted. Commit the file so teammates manage the same stack.`,
  );
  io.out(`Next: ${cli} plan   (see what will be created)`);
  io.out(`      ${cli} up     (create it)`);
  io.result({ ok: true, command: 'init', path, config: raw });
  return 0;
}
