import { readFile, readdir, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { isNotWritable, OtpError, errorMessage } from './errors.js';
import { writeFileAtomic } from './atomic-file.js';

/** Per key: the value otp-setup wrote, and the user's own lines it replaced (verbatim, in file order). */
export const envFileRecordSchema = z.object({
  /** otp-setup created the file (or it held nothing else): teardown deletes it once it is empty. */
  createdFile: z.boolean(),
  keys: z.record(z.string(), z.object({ value: z.string(), prior: z.array(z.string()).optional() })),
});

export type EnvFileRecord = z.infer<typeof envFileRecordSchema>;

/** What `up` created or adopted, so later runs find it by id and teardown knows what is ours. */
const stateSchema = z.object({
  version: z.literal(1),
  stackId: z.string(),
  region: z.string(),
  accountId: z.string(),
  updatedAt: z.string(),
  /** The config's stackId every recorded resource is tagged with (absent: written before stack ids). */
  identity: z.string().optional(),
  resources: z
    .object({
      roleArn: z.string().optional(),
      functions: z.record(z.string(), z.object({ arn: z.string(), codeSha256: z.string() })).optional(),
      sesIdentity: z.object({ identity: z.string(), createdByUs: z.boolean() }).optional(),
      sesDomain: z.object({ identity: z.string(), createdByUs: z.boolean() }).optional(),
      userPoolId: z.string().optional(),
      clientId: z.string().optional(),
      permissions: z.array(z.string()).optional(),
      /** Log groups otp-setup created, or tagged as its own. */
      logGroups: z.array(z.string()).optional(),
      /** Alarms, and the topic otp-setup created for `monitoring.alarms.email` (a topic given by ARN is never ours). */
      alarms: z.object({ names: z.array(z.string()), topicArn: z.string().optional() }).optional(),
      /** The WAF web ACL otp-setup created for `protection.waf` (its id is needed to read it without listing). */
      waf: z.object({ name: z.string(), id: z.string(), arn: z.string() }).optional(),
      /**
       * The secret Create and Verify share (OTP_HMAC_KEY): generated on the first `up`, or taken
       * from the deployed functions when the state was lost. This file is written mode 0600.
       */
      handlerKey: z.string().optional(),
      frontend: z
        .object({
          envFile: z.string().optional(),
          keys: z.array(z.string()),
          outputsFile: z.string().optional(),
          createdFile: z.boolean().optional(),
          /** Every env file we wrote keys into, by absolute path, so teardown restores each (see env-records.ts). */
          envFiles: z.record(z.string(), envFileRecordSchema).optional(),
        })
        .optional(),
    })
    .loose(),
  /** Last outcome per step, for `status` and for resuming after an interruption. */
  steps: z.record(z.string(), z.object({ action: z.string(), at: z.string() })).default({}),
});

export type StackState = z.infer<typeof stateSchema>;

export interface StateKey {
  stackId: string;
  region: string;
  accountId: string;
}

export function stateDir(configDir: string): string {
  return join(configDir, '.otp-setup');
}

export function statePath(configDir: string, key: StateKey): string {
  return join(stateDir(configDir), 'state', `${key.stackId}.${key.region}.${key.accountId}.json`);
}

export function emptyState(key: StateKey, now: Date): StackState {
  return { version: 1, ...key, updatedAt: now.toISOString(), resources: {}, steps: {} };
}

/**
 * The states of the other stacks kept beside this one (another region or stage of the same config),
 * for files they share such as the .env. Unreadable or corrupt ones are skipped: this is a courtesy
 * lookup, and each stack's own commands report its state's problems. Without `key`: every stack's.
 */
export async function otherStates(configDir: string, key?: StateKey): Promise<StackState[]> {
  const dir = join(stateDir(configDir), 'state');
  const own = key ? basename(statePath(configDir, key)) : undefined;
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json') && f !== own);
  const states = await Promise.all(
    files.map(async (f) => {
      try {
        const parsed = stateSchema.safeParse(JSON.parse(await readFile(join(dir, f), 'utf8')));
        return parsed.success ? [parsed.data] : [];
      } catch {
        return [];
      }
    }),
  );
  return states.flat();
}

export class StateStore {
  readonly path: string;

  constructor(
    configDir: string,
    readonly key: StateKey,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.path = statePath(configDir, key);
  }

  /** Missing file: an empty state (resources are then found by name + ownership tag). */
  async load(): Promise<StackState> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyState(this.key, this.now());
      throw new OtpError('STATE_UNREADABLE', `Cannot read the state file ${this.path}: ${errorMessage(err)}`, { cause: err });
    }
    const corrupt = (why: string): OtpError =>
      new OtpError('STATE_CORRUPT', `The state file ${this.path} is corrupt (${why}); it was left untouched.`, {
        resolution: `Move it aside (mv "${this.path}" "${this.path}.bad") and run the command again: otp-setup finds its resources by name and ownership tag.`,
      });
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw corrupt(`not JSON: ${errorMessage(err)}`);
    }
    const parsed = stateSchema.safeParse(raw);
    if (!parsed.success) throw corrupt(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const state = parsed.data;
    if (state.accountId !== this.key.accountId || state.region !== this.key.region || state.stackId !== this.key.stackId) {
      throw new OtpError(
        'STATE_MISMATCH',
        `The state file ${this.path} belongs to stack ${state.stackId} in account ${state.accountId}, region ${state.region}, but the current credentials are for account ${this.key.accountId}, region ${this.key.region}.`,
        { resolution: 'Use the profile and region this stack was deployed with (--profile, --region), or move the file aside.' },
      );
    }
    return state;
  }

  private tail: Promise<void> = Promise.resolve();
  private queued: { state: StackState; done: Promise<void> } | undefined;

  /**
   * Saves run one at a time, in call order, each writing the state as it is when its turn comes.
   * Parallel steps save concurrently, and two overlapping atomic writes can land out of order: the
   * file would go back to an older snapshot, losing what a step recorded before its AWS call so
   * that a run killed during the call still knows the resource is its own. A save still waiting
   * for its turn already covers later saves of the same state.
   */
  save(state: StackState): Promise<void> {
    if (this.queued?.state === state) return this.queued.done;
    const done = this.tail.then(() => {
      this.queued = undefined;
      return this.write(state);
    });
    this.queued = { state, done };
    this.tail = done.catch(() => undefined);
    return done;
  }

  private async write(state: StackState): Promise<void> {
    state.updatedAt = this.now().toISOString();
    try {
      await writeFileAtomic(this.path, `${JSON.stringify(state, null, 2)}\n`, 0o600);
    } catch (err) {
      if (!isNotWritable(err)) throw err;
      const dir = dirname(this.path);
      // Saves follow AWS calls: what was reported done is done, only its record is missing.
      throw new OtpError(
        'STATE_UNWRITABLE',
        `Cannot write the state file in ${dir} (${err.code}). The AWS changes reported above were applied, but they are not recorded.`,
        {
          cause: err,
          resolution: `Make ${dir} writable (permissions, a read-only mount, the immutable flag or a full disk), then run the same command again: it finds those resources and records them.`,
          details: { path: this.path },
        },
      );
    }
  }

  /** Deletes the state file and any temp file a run killed in mid-save left beside it. */
  async remove(): Promise<void> {
    const dir = dirname(this.path);
    const prefix = `${basename(this.path)}.`;
    const leftovers = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.startsWith(prefix) && f.endsWith('.tmp'));
    await Promise.all(
      [this.path, ...leftovers.map((f) => join(dir, f))].map((file) =>
        unlink(file).catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return;
          if (!isNotWritable(err)) throw err;
          throw new OtpError('STATE_UNWRITABLE', `Cannot delete ${file} (${err.code}); the AWS resources reported above were deleted.`, {
            cause: err,
            resolution: `Make ${dir} writable, then delete the file (or run the same command again).`,
          });
        }),
      ),
    );
  }
}
