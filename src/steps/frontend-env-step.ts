import { resolve } from 'node:path';
import { unlink } from 'node:fs/promises';
import { diffFields, noop, type Change, type FieldDiff, type Step, type StepContext } from '../core/step.js';
import { editEnv, parseEnv, readEnvFile, writeEnvFile } from '../frontend/env-file.js';
import { envEntries, envKeyNames } from '../frontend/env-keys.js';
import { mergeOutputs, observedAuth, outputsAuth, readOutputsFile, removeOutputs, writeOutputsFile } from '../frontend/outputs-file.js';

/** What the app's config files say now; undefined = that file does not exist. */
interface FrontendActual {
  env?: Record<string, string | undefined>;
  outputs?: Record<string, unknown>;
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

export const frontendEnvStep: Step<FrontendActual> = {
  id: 'frontend-env',
  title: 'Frontend .env',
  dependsOn: ['app-client'],
  independentRead: true,
  // Local files only: no AWS call.
  permissions: () => [],

  async read(ctx) {
    const env = envPath(ctx);
    const outputs = outputsPath(ctx);
    const actual: FrontendActual = {};
    if (env) {
      const text = await readEnvFile(env);
      if (text !== undefined) {
        const values = parseEnv(text);
        actual.env = Object.fromEntries(Object.keys(desiredEnv(ctx)).map((k) => [k, values.get(k)]));
      }
    }
    if (outputs) {
      const text = await readOutputsFile(outputs);
      if (text !== undefined) {
        actual.outputs = Object.fromEntries(Object.entries(observedAuth(text, outputs)).map(([k, v]) => [`auth.${k}`, v]));
      }
    }
    return actual.env || actual.outputs ? { status: 'present', actual } : { status: 'absent' };
  },

  plan(ctx, observed): Change {
    const env = envPath(ctx);
    const outputs = outputsPath(ctx);
    if (!env && !outputs) return noop('skipped (frontend.envFile is false)');
    const actual = observed.status === 'present' ? observed.actual : {};
    const envDiffs: FieldDiff[] = env ? diffFields(actual.env ?? {}, desiredEnv(ctx)) : [];
    const outputsDiffs: FieldDiff[] = outputs ? diffFields(actual.outputs ?? {}, desiredOutputs(ctx)) : [];
    const files = [env, outputs].filter((p): p is string => p !== undefined).join(' and ');
    if (envDiffs.length === 0 && outputsDiffs.length === 0) return noop(`unchanged (${files})`);
    const parts: string[] = [];
    if (envDiffs.length > 0) parts.push(`${actual.env ? 'update' : 'write'} ${envDiffs.map((d) => d.field).join(', ')} in ${env}`);
    if (outputsDiffs.length > 0) parts.push(`${actual.outputs ? 'update' : 'write'} the auth section of ${outputs}`);
    return {
      kind: observed.status === 'absent' ? 'create' : 'update',
      summary: parts.join('; '),
      diffs: [...envDiffs, ...outputsDiffs],
      notes: [],
      apply: async (c) => {
        const previous = c.state.resources.frontend;
        const entries = desiredEntries(c);
        if (env && envDiffs.length > 0) {
          const text = (await readEnvFile(env)) ?? '';
          await writeEnvFile(env, editEnv(text, entries, [sandboxKey(c)]));
        }
        const keys = env ? Object.keys(entries) : (previous?.keys ?? []);
        if (outputs && outputsDiffs.length > 0) {
          await writeOutputsFile(outputs, mergeOutputs(await readOutputsFile(outputs), desiredValues(c), outputs));
        }
        c.state.resources.frontend = {
          ...(env ? { envFile: env } : {}),
          keys,
          ...(outputs ? { outputsFile: outputs } : {}),
          // Remembered so teardown deletes an env file that only we ever wrote to.
          createdFile: (env !== undefined && actual.env === undefined) || Boolean(previous?.createdFile),
        };
      },
    };
  },

  async destroy(ctx) {
    const recorded = ctx.state.resources.frontend;
    const done: string[] = [];
    const env = recorded?.envFile ?? envPath(ctx);
    if (env) {
      const text = await readEnvFile(env);
      if (text !== undefined) {
        const keys = [...new Set([...(recorded?.keys ?? Object.keys(desiredEntries(ctx))), sandboxKey(ctx)])];
        const edited = editEnv(text, {}, keys);
        if (edited !== text) {
          if (edited.trim() === '' && recorded?.createdFile) await unlink(env);
          else await writeEnvFile(env, edited);
          const present = parseEnv(text);
          done.push(`removed ${keys.filter((k) => present.has(k)).length} keys from ${env}`);
        }
      }
    }
    const outputs = recorded?.outputsFile ?? outputsPath(ctx);
    if (outputs) {
      const text = await readOutputsFile(outputs);
      // Without a recorded pool id (lost state) only a file we recorded writing is touched.
      const poolId = ctx.state.resources.userPoolId;
      if (text !== undefined && (poolId !== undefined || recorded?.outputsFile)) {
        const edited = removeOutputs(text, poolId, outputs);
        if (edited === null) {
          await unlink(outputs);
          done.push(`deleted ${outputs}`);
        } else if (edited !== undefined) {
          await writeOutputsFile(outputs, edited);
          done.push(`removed the auth section from ${outputs}`);
        }
      }
    }
    delete ctx.state.resources.frontend;
    if (done.length === 0) return { action: 'absent', summary: 'nothing of ours in the frontend files' };
    return { action: 'deleted', summary: done.join('; ') };
  },
};
