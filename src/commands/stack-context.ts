import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createAwsPorts } from '../aws/ports/index.js';
import { stsPort } from '../aws/ports/sts.js';
import { createAwsClients, type AwsClients } from '../aws/clients.js';
import { DEFAULT_CONFIG_FILE, loadConfig, type LoadedConfig } from '../config/load-config.js';
import { resourceNames } from '../config/resource-names.js';
import { assignStackId } from '../config/stack-id.js';
import type { Config } from '../config/schema.js';
import { REGION_PATTERN } from '../config/patterns.js';
import { OtpError, usageError } from '../core/errors.js';
import { acquireLock, type Lock } from '../core/lock.js';
import { StateStore, stateDir } from '../core/state-store.js';
import type { StepContext } from '../core/step.js';
import type { EmailTemplates } from '../package/build-handlers.js';
import type { CommandEnv } from './deps.js';
import { sdk } from '../aws/sdk.js';
import { newHandlerKey } from '../spec/handler-environment.js';

export interface OpenStackOptions {
  /** Command name recorded in the lock; no lock when undefined (read-only commands). */
  lockFor?: string;
  buildHandlers?: boolean;
  adopt?: boolean;
  allowReplace?: boolean;
  keepSes?: boolean;
  /** up: it calls ensureStackId itself, once its own checks have passed. */
  assignStackId?: boolean;
  /** Load the SDK clients the steps use while STS answers (commands that run the steps). */
  preloadStepClients?: boolean;
}

export interface OpenStack {
  ctx: StepContext;
  loaded: LoadedConfig;
  store: StateStore;
  aws: AwsClients;
  close(): Promise<void>;
}

export function configPath(env: CommandEnv): string {
  return resolve(env.deps.cwd, env.global.config ?? DEFAULT_CONFIG_FILE);
}

/**
 * --region (already validated as a config override), the config's region, the environment, then
 * the region the selected profile sets in ~/.aws/config, as the SDK and the AWS CLI would find it.
 */
export async function resolveRegion(env: CommandEnv, config: Config): Promise<string> {
  const set = config.region ?? env.deps.env.AWS_REGION ?? env.deps.env.AWS_DEFAULT_REGION;
  if (set) return set;
  return (await profileRegion(env)) ?? 'us-east-1';
}

/** The SDK's own lookup (shared config file, AWS_CONFIG_FILE, [profile x] sections), for the profile only. */
async function profileRegion(env: CommandEnv): Promise<string | undefined> {
  const { loadConfig, NODE_REGION_CONFIG_FILE_OPTIONS } = sdk('@smithy/core/config');
  const profile = env.global.profile ?? env.deps.env.AWS_PROFILE;
  const region = await loadConfig<string | undefined>(
    { environmentVariableSelector: () => undefined, configFileSelector: (p) => p.region, default: () => undefined },
    { ...NODE_REGION_CONFIG_FILE_OPTIONS, ...(profile ? { profile } : {}) },
  )();
  if (region === undefined) return undefined;
  if (!REGION_PATTERN.test(region)) {
    throw usageError(
      'INVALID_REGION',
      `The AWS profile "${profile ?? 'default'}" sets region = ${region}, which is not an AWS region.`,
      'Fix the region in ~/.aws/config (or AWS_CONFIG_FILE), or pass --region such as us-east-1.',
    );
  }
  return region;
}

export function awsSettings(env: CommandEnv, region: string) {
  // The SDK's own AWS_MAX_ATTEMPTS convention: without this, our default of 8 would override it.
  const maxAttempts = Number(env.deps.env.AWS_MAX_ATTEMPTS);
  return {
    region,
    ...(env.global.profile ? { profile: env.global.profile } : {}),
    ...(env.global.endpointUrl ? { endpoint: env.global.endpointUrl } : {}),
    ...(Number.isInteger(maxAttempts) && maxAttempts >= 1 ? { maxAttempts } : {}),
  };
}

export async function loadTemplates(config: Config, dir: string): Promise<EmailTemplates | undefined> {
  const files = config.email.templates;
  if (!files) return undefined;
  const { defaultTemplates } = await import('../package/build-handlers.js');
  const defaults = await defaultTemplates();
  const read = async (field: keyof EmailTemplates): Promise<string> => {
    const file = files[field];
    if (!file) return defaults[field];
    const path = resolve(dir, file);
    try {
      const text = await readFile(path, 'utf8');
      return field === 'subject' ? text.trim() : text;
    } catch (err) {
      throw usageError(
        'TEMPLATE_UNREADABLE',
        `email.templates.${field}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`,
        'Fix the path (it is relative to the config file) or remove the field to use the default template.',
      );
    }
  };
  const [subject, text, html] = await Promise.all([read('subject'), read('text'), read('html')]);
  // The build's own rule, checked here so every command (plan, up, package, preview) names the file.
  for (const [field, body] of [
    ['text', text],
    ['html', html],
  ] as const) {
    if (!/\{\{\s*code\s*\}\}/.test(body)) {
      throw usageError(
        'TEMPLATE_INVALID',
        `The ${field} template has no {{code}} placeholder: an email without the code is useless.`,
        `Add {{code}} to ${files[field] ? resolve(dir, files[field]) : `the ${field} template`}.`,
      );
    }
  }
  return { subject, text, html };
}

export async function buildStackHandlers(config: Config, dir: string) {
  const [{ buildHandlers }, templates] = await Promise.all([import('../package/build-handlers.js'), loadTemplates(config, dir)]);
  try {
    return await buildHandlers(templates ? { templates } : {});
  } catch (err) {
    throw new OtpError('TEMPLATE_INVALID', `Cannot build the handlers: ${(err as Error).message}`, {
      cause: err,
      resolution: 'Check the email templates named in the config.',
    });
  }
}

interface Identity {
  accountId: string;
  partition: string;
}

export async function callerIdentity(aws: AwsClients): Promise<Identity> {
  const out = await stsPort(aws).callerIdentity();
  return { accountId: out.account ?? '000000000000', partition: out.arn?.split(':')[1] ?? 'aws' };
}

/** The clients the steps call (src/steps/*), in the order their reads start. */
const STEP_CLIENTS = ['lambda', 'iam', 'cognito', 'dynamodb', 'logs', 'ses', 'cloudwatch', 'sns'] as const;

/**
 * Loads each SDK client in its own macrotask, so the STS request already under way gets onto the
 * wire and its answer is handled between loads: loading a client is synchronous CPU work
 * (require), milliseconds to tens of ms each. Nobody waits for it: once the identity is known
 * the steps start their reads, each loading its own client if the preload has not reached it
 * yet, so every read already sent is answered while the next client loads. On AWS the round trip
 * hides the loads; on a fast endpoint they overlap with its work.
 */
function preloadClients(aws: AwsClients, stopped: () => boolean): void {
  void (async () => {
    for (const name of STEP_CLIENTS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (stopped()) return;
      await aws[name]();
    }
  })().catch(() => undefined); // the step that needs the client meets the same error itself
}

/** Loads config, credentials, lock and state: everything the AWS-facing commands share. */
export async function openStack(env: CommandEnv, options: OpenStackOptions = {}): Promise<OpenStack> {
  const loaded = await loadConfig(configPath(env), { stage: env.global.stage, region: env.global.region });
  const { config, dir } = loaded;
  const region = await resolveRegion(env, config);
  const names = resourceNames(config);
  const sesRegion = config.email.sesRegion;
  const aws = (env.deps.createAwsClients ?? createAwsClients)({ ...awsSettings(env, region), ...(sesRegion ? { sesRegion } : {}) });
  let lock: Lock | undefined;
  let closed = false;
  try {
    if (options.preloadStepClients) preloadClients(aws, () => closed);
    const [identity, builtHandlers] = await Promise.all([
      callerIdentity(aws),
      options.buildHandlers ? buildStackHandlers(config, dir) : Promise.resolve(undefined),
    ]);
    env.io.debug(`account ${identity.accountId}, region ${region}, stack ${names.stackId}`);
    if (options.lockFor) {
      lock = await acquireLock(join(stateDir(dir), 'locks', `${names.stackId}.${region}.lock`), options.lockFor, env.deps.now);
    }
    const store = new StateStore(dir, { stackId: names.stackId, region, accountId: identity.accountId }, env.deps.now);
    const state = await store.load();
    if (!options.assignStackId && config.stackId === undefined && state.identity !== undefined) {
      // Read-only commands and teardown do not edit the config: they use the id this folder's
      // stack was deployed with, which its state file records.
      config.stackId = state.identity;
      env.io.info(
        `${loaded.path} has no "stackId": using "${state.identity}", the one this folder's state file records ("otp-setup up" writes it back).`,
      );
    }
    const ctx: StepContext = {
      config,
      names,
      configDir: dir,
      region,
      accountId: identity.accountId,
      partition: identity.partition,
      aws,
      ports: createAwsPorts(aws),
      state,
      facts: { newHandlerKey: newHandlerKey() },
      ...(builtHandlers ? { builtHandlers } : {}),
      adopt: options.adopt ?? false,
      allowReplace: options.allowReplace ?? false,
      keepSes: options.keepSes ?? false,
      progress: () => undefined,
    };
    return {
      ctx,
      loaded,
      store,
      aws,
      async close() {
        closed = true;
        await lock?.release();
        aws.destroy();
      },
    };
  } catch (err) {
    closed = true;
    await lock?.release();
    aws.destroy();
    throw err;
  }
}

/**
 * Gives a config without a stackId one, written into its file (the caller holds the stack's lock,
 * so two runs in this folder do not each write their own). The id this folder's stack was
 * deployed with, which the state file records, comes back rather than a new one.
 */
export async function ensureStackId(stack: OpenStack): Promise<{ id: string; fromState: boolean } | undefined> {
  const { config, state } = stack.ctx;
  if (config.stackId !== undefined) return undefined;
  const { id, written } = await assignStackId(stack.loaded.path, state.identity);
  config.stackId = id;
  return written ? { id, fromState: id === state.identity } : undefined;
}
