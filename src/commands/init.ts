import { access, readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { parseConfig } from '../config/load-config.js';
import { REGION_PATTERN } from '../config/patterns.js';
import { STACK_ID } from '../config/schema.js';
import { newStackId } from '../config/stack-id.js';
import { usageError } from '../core/errors.js';
import { writeFileAtomic } from '../core/atomic-file.js';
import { packageRoot } from '../package/package-root.js';
import type { CommandEnv } from './deps.js';
import { configPath } from './stack-context.js';

export interface InitOptions {
  from?: string;
  force?: boolean;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Editors complete the file from this; relative when otp-setup is installed in the project. */
async function schemaReference(configFile: string): Promise<string> {
  const installed = join(dirname(configFile), 'node_modules', 'otp-setup', 'schema', 'otp-setup.config.schema.json');
  if (await exists(installed)) return `./${relative(dirname(configFile), installed)}`;
  return join(packageRoot(), 'schema', 'otp-setup.config.schema.json');
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
  if (from === undefined) {
    if (global.yes || !io.interactive) {
      throw usageError('MISSING_FROM', 'The sender address is required.', 'Pass --from noreply@your-domain.com (it must be an address you can receive mail at, to verify it in SES).');
    }
    from = await io.ask('Sender address for the sign-in emails (verified in SES):', {
      validate: (v) => (EMAIL.test(v.trim()) ? true : 'Enter an email address such as noreply@example.com'),
    });
    region ??= await io.ask('AWS region:', {
      default: env.deps.env.AWS_REGION ?? 'us-east-1',
      validate: (v) => (REGION_PATTERN.test(v.trim()) ? true : 'Enter a region code such as us-east-1 or eu-west-1'),
    });
    region = region.trim();
  }
  // --force over a deployed stack's config keeps its id: a new one would make the stack foreign.
  const previousId = await existingStackId(path);
  const raw: Record<string, unknown> = {
    $schema: await schemaReference(path),
    stackId: previousId ?? newStackId(),
    region: region ?? env.deps.env.AWS_REGION ?? 'us-east-1',
    ...(global.stage ? { stage: global.stage } : {}),
    email: { from: from.trim() },
    otp: { length: 6, ttlSeconds: 180, maxAttempts: 3 },
    frontend: { envFile: '.env', preset: 'vite' },
  };
  // Validated exactly as every other command will read it, so a bad --from fails here.
  parseConfig(raw, '--from/--region/--stage');
  await writeFileAtomic(path, `${JSON.stringify(raw, null, 2)}\n`);
  io.out(`Wrote ${path}.`);
  io.out(
    previousId
      ? `Kept its stack id "${previousId}".`
      : `Stack id "${raw.stackId as string}": every resource up creates is tagged with it, and only resources carrying it are changed or deleted. Commit the file so teammates manage the same stack.`,
  );
  io.out('Next: otp-setup plan   (see what will be created)');
  io.out('      otp-setup up     (create it)');
  io.result({ ok: true, command: 'init', path, config: raw });
  return 0;
}
