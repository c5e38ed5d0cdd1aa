import { resolve } from 'node:path';
import { otherStates, type EnvFileRecord } from '../core/state-store.js';
import { createOrUpdate, diffFields, noop, type Change, type FieldDiff, type Step, type StepContext } from '../core/step.js';
import { deleteEnvFile, holdsOnly, isUnderHeader, parseEnv, readEnvFile, writeEnvFile } from '../frontend/env-file.js';
import { envEntries, envKeyNames } from '../frontend/env-keys.js';
import { claimEnvKeys, recordsForFile, releaseEnvFile, type ReleaseOutcome } from '../frontend/env-records.js';
import { sandboxEnvRecords } from '../frontend/sandbox-env.js';
import {
  deleteOutputsFile,
  mergeOutputs,
  observedAuth,
  outputsAuth,
  readOutputsFile,
  removeOutputs,
  writeOutputsFile,
} from '../frontend/outputs-file.js';

/** What the app's config files say now; undefined = that file does not exist. */
interface FrontendActual {
  env?: Record<string, string | undefined>;
  /** Our keys that hold the user's own value in the env file: `up` replaces it, teardown puts it back. */
  userValues?: Record<string, string>;
  outputs?: Record<string, unknown>;
  /** Env files written before (frontend.envFile changed) that still hold a value we wrote. */
  staleEnvFiles: string[];
  /** The outputs file written before, when frontend.outputsFile changed. */
  staleOutputsFile?: string;
}

function envPath(ctx: StepContext): string | undefined {
  const file = ctx.config.frontend.envFile;
  return file === false ? undefined : resolve(ctx.configDir, file);
}

function outputsPath(ctx: StepContext): string | undefined {
  const file = ctx.config.frontend.outputsFile;
  return file === undefined ? undefined : resolve(ctx.configDir, file);
}

function desiredValues(ctx: StepContext) {
  return {
    region: ctx.region,
    userPoolId: ctx.state.resources.userPoolId ?? '(known after up)',
    clientId: ctx.state.resources.clientId ?? '(known after up)',
  };
}

function desiredEntries(ctx: StepContext): Record<string, string> {
  return envEntries(ctx.config.frontend, desiredValues(ctx));
}

/** `otp-setup sandbox` adds this key; against AWS it must go, or the app keeps calling the sandbox. */
function sandboxKey(ctx: StepContext): string {
  return envKeyNames(ctx.config.frontend).endpoint;
}

/** The env keys plan compares: ours with their values, the sandbox key as absent. */
function desiredEnv(ctx: StepContext): Record<string, string | undefined> {
  return { ...desiredEntries(ctx), [sandboxKey(ctx)]: undefined };
}

/** Outputs fields are prefixed so a diff names the file section, e.g. "auth.user_pool_id". */
function desiredOutputs(ctx: StepContext): Record<string, unknown> {
  return Object.fromEntries(Object.entries(outputsAuth(desiredValues(ctx))).map(([k, v]) => [`auth.${k}`, v]));
}

/** This stack's records of the env files it wrote, by path. */
function recordsOf(ctx: StepContext): Record<string, EnvFileRecord> {
  const frontend = ctx.state.resources.frontend;
  if (!frontend) return {};
  if (frontend.envFiles) return { ...frontend.envFiles };
  if (!frontend.envFile) return {};
  // A state written before per-key records: the values we would write now are the ones we wrote.
  const desired = desiredEntries(ctx);
  const keys = Object.fromEntries(frontend.keys.filter((k) => Object.hasOwn(desired, k)).map((k) => [k, { value: desired[k]! }]));
  return { [frontend.envFile]: { createdFile: frontend.createdFile ?? false, keys } };
}

/** Other stacks' records for the same file: another region or stage of this config sharing the .env. */
async function othersFor(ctx: StepContext, path: string): Promise<EnvFileRecord[]> {
  const states = await otherStates(ctx.configDir, { stackId: ctx.state.stackId, region: ctx.state.region, accountId: ctx.state.accountId });
  return recordsForFile(states, path);
}

function sandboxRecordFor(records: Record<string, EnvFileRecord>, path: string): EnvFileRecord[] {
  const record = records[path];
  return record ? [record] : [];
}

function stillOurs(text: string, record: EnvFileRecord): boolean {
  const current = parseEnv(text);
  return Object.entries(record.keys).some(([k, r]) => current.get(k) === r.value);
}

function describeRelease(path: string, out: ReleaseOutcome): string {
  const parts: string[] = [];
  if (out.removed.length > 0) parts.push(`removed ${out.removed.length} keys`);
  if (out.restored.length > 0) parts.push(`restored your ${out.restored.join(', ')}`);
  if (out.handedOver.length > 0) parts.push(`set ${out.handedOver.join(', ')} back to the values of this config's other deployed stack`);
  if (out.kept.length > 0) parts.push(`left ${out.kept.join(', ')} (changed since otp-setup wrote them)`);
  return `${parts.join(', ')} in ${path}`;
}

/** Takes our keys back out of one env file; undefined when there was nothing of ours left in it. */
async function releaseFile(ctx: StepContext, path: string, record: EnvFileRecord): Promise<string | undefined> {
  const text = await readEnvFile(path);
  if (text === undefined) return undefined;
  const out = releaseEnvFile(text, record, await othersFor(ctx, path));
  if (out.text === text) return out.kept.length > 0 ? describeRelease(path, out) : undefined;
  if (out.text.trim() === '' && record.createdFile) {
    await deleteEnvFile(path);
    return `deleted ${path} (otp-setup created it)`;
  }
  await writeEnvFile(path, out.text);
  return describeRelease(path, out);
}

export const frontendEnvStep: Step<FrontendActual, 'frontend-env'> = {
  id: 'frontend-env',
  title: 'Frontend .env',
  dependsOn: ['app-client'],
  independentRead: true,
  // Local files only: no AWS call.
  permissions: () => [],

  async read(ctx) {
    const env = envPath(ctx);
    const outputs = outputsPath(ctx);
    const records = recordsOf(ctx);
    const actual: FrontendActual = { staleEnvFiles: [] };
    if (env) {
      const text = await readEnvFile(env);
      if (text !== undefined) {
        const values = parseEnv(text);
        actual.env = Object.fromEntries(Object.keys(desiredEnv(ctx)).map((k) => [k, values.get(k)]));
        const sandboxWrote = values.has(sandboxKey(ctx));
        const mine = records[env]?.keys ?? {};
        const user = Object.entries(desiredEntries(ctx)).filter(([k, want]) => {
          const have = values.get(k);
          return have !== undefined && have !== want && mine[k]?.value !== have && !sandboxWrote && !isUnderHeader(text, k);
        });
        if (user.length > 0) actual.userValues = Object.fromEntries(user.map(([k]) => [k, values.get(k)!]));
      }
    }
    for (const [path, record] of Object.entries(records)) {
      if (path === env) continue;
      const text = await readEnvFile(path);
      if (text !== undefined && stillOurs(text, record)) actual.staleEnvFiles.push(path);
    }
    const recordedOutputs = ctx.state.resources.frontend?.outputsFile;
    if (recordedOutputs && recordedOutputs !== outputs && (await readOutputsFile(recordedOutputs)) !== undefined)
      actual.staleOutputsFile = recordedOutputs;
    if (outputs) {
      const text = await readOutputsFile(outputs);
      if (text !== undefined) {
        actual.outputs = Object.fromEntries(Object.entries(observedAuth(text, outputs)).map(([k, v]) => [`auth.${k}`, v]));
      }
    }
    // With no file configured there is nothing to miss: "absent" would read as "deleted outside otp-setup".
    const present = actual.env || actual.outputs || (!env && !outputs) || actual.staleEnvFiles.length > 0 || actual.staleOutputsFile;
    return present ? { status: 'present', actual } : { status: 'absent' };
  },

  plan(ctx, observed): Change {
    const env = envPath(ctx);
    const outputs = outputsPath(ctx);
    const actual: FrontendActual = observed.status === 'present' ? observed.actual : { staleEnvFiles: [] };
    const envDiffs: FieldDiff[] = env ? diffFields(actual.env ?? {}, desiredEnv(ctx)) : [];
    const outputsDiffs: FieldDiff[] = outputs ? diffFields(actual.outputs ?? {}, desiredOutputs(ctx)) : [];
    const moved: FieldDiff[] = [
      ...actual.staleEnvFiles.map((path) => ({ field: 'envFile', actual: path, desired: env ?? false })),
      ...(actual.staleOutputsFile ? [{ field: 'outputsFile', actual: actual.staleOutputsFile, desired: outputs ?? null }] : []),
    ];
    const files = [env, outputs].filter((p): p is string => p !== undefined).join(' and ');
    if (envDiffs.length === 0 && outputsDiffs.length === 0 && moved.length === 0) {
      return noop(files ? `unchanged (${files})` : 'skipped (frontend.envFile is false)');
    }
    const parts: string[] = [];
    if (envDiffs.length > 0) parts.push(`${actual.env ? 'update' : 'write'} ${envDiffs.map((d) => d.field).join(', ')} in ${env}`);
    if (outputsDiffs.length > 0) parts.push(`${actual.outputs ? 'update' : 'write'} the auth section of ${outputs}`);
    for (const path of actual.staleEnvFiles) parts.push(`take our keys back out of ${path}`);
    if (actual.staleOutputsFile) parts.push(`remove our auth section from ${actual.staleOutputsFile}`);
    const notes = Object.entries(actual.userValues ?? {}).map(
      ([k, v]) => `${k} in ${env} holds your own value (${v}): otp-setup writes its value there, and teardown puts your line back.`,
    );
    return createOrUpdate(
      observed,
      parts.join('; '),
      [...envDiffs, ...outputsDiffs, ...moved],
      async (c) => {
        const previous = c.state.resources.frontend;
        const records = recordsOf(c);
        const entries = desiredEntries(c);
        if (env) {
          const text = await readEnvFile(env);
          const claimed = claimEnvKeys({
            text,
            set: entries,
            drop: [sandboxKey(c)],
            previous: records[env],
            // A sandbox that still points the file at itself (killed, or running) recorded the
            // user's lines it replaced: they travel into our record, to come back at teardown.
            others: [...(await othersFor(c, env)), ...sandboxRecordFor(await sandboxEnvRecords(c.configDir), env)],
          });
          if (claimed.text !== text) await writeEnvFile(env, claimed.text);
          records[env] = claimed.record;
        }
        for (const [path, record] of Object.entries(records)) {
          if (path === env) continue;
          await releaseFile(c, path, record);
          delete records[path];
        }
        if (outputs && outputsDiffs.length > 0) {
          await writeOutputsFile(outputs, mergeOutputs(await readOutputsFile(outputs), desiredValues(c), outputs));
        }
        if (previous?.outputsFile && previous.outputsFile !== outputs) await releaseOutputs(c, previous.outputsFile);
        if (!env && !outputs) {
          delete c.state.resources.frontend;
          return;
        }
        c.state.resources.frontend = {
          ...(env ? { envFile: env } : {}),
          keys: env ? Object.keys(entries) : [],
          ...(outputs ? { outputsFile: outputs } : {}),
          ...(env ? { createdFile: records[env]!.createdFile } : {}),
          envFiles: records,
        };
      },
      notes,
    );
  },

  // Local files, no AWS call: read again as they are edited, so a line changed since the survey is judged as it is now.
  async destroy(ctx) {
    const recorded = ctx.state.resources.frontend;
    const done: string[] = [];
    const records = recordsOf(ctx);
    const env = envPath(ctx);
    if (!recorded && env && ctx.state.resources.userPoolId) {
      // No record at all (a lost state file): ours are only the lines below our header that still
      // hold this stack's values; a line of the user's we changed in place cannot be told apart.
      const text = await readEnvFile(env);
      const desired = desiredEntries(ctx);
      if (text !== undefined) {
        const keys = Object.entries(desired).filter(([k]) => isUnderHeader(text, k));
        records[env] = {
          createdFile: holdsOnly(text, Object.keys(desired)),
          keys: Object.fromEntries(keys.map(([k, v]) => [k, { value: v }])),
        };
      }
    }
    for (const [path, record] of Object.entries(records)) {
      const summary = await releaseFile(ctx, path, record);
      if (summary) done.push(summary);
    }
    const outputs = recorded?.outputsFile ?? outputsPath(ctx);
    if (outputs) {
      const summary = await releaseOutputs(ctx, outputs, recorded?.outputsFile !== undefined);
      if (summary) done.push(summary);
    }
    delete ctx.state.resources.frontend;
    if (done.length === 0) return { action: 'absent', summary: 'nothing of ours in the frontend files' };
    return { action: 'deleted', summary: done.join('; ') };
  },
};

/** Removes our auth section from an outputs file while it still names our pool. */
async function releaseOutputs(ctx: StepContext, path: string, recorded = true): Promise<string | undefined> {
  const text = await readOutputsFile(path);
  // Without a recorded pool id (lost state) only a file we recorded writing is touched.
  const poolId = ctx.state.resources.userPoolId;
  if (text === undefined || (poolId === undefined && !recorded)) return undefined;
  const edited = removeOutputs(text, poolId, path);
  if (edited === null) {
    await deleteOutputsFile(path);
    return `deleted ${path}`;
  }
  if (edited === undefined) return undefined;
  await writeOutputsFile(path, edited);
  return `removed the auth section from ${path}`;
}
