import { resolve } from 'node:path';
import { unlink } from 'node:fs/promises';
import { diffFields, noop, type Change, type Step, type StepContext } from '../core/step.js';
import { editEnv, parseEnv, readEnvFile, writeEnvFile } from '../frontend/env-file.js';
import { envEntries } from '../frontend/env-keys.js';

interface EnvActual {
  values: Record<string, string | undefined>;
}

function envPath(ctx: StepContext): string | undefined {
  const file = ctx.config.frontend.envFile;
  return file === false ? undefined : resolve(ctx.configDir, file);
}

function desiredEntries(ctx: StepContext): Record<string, string> {
  return envEntries(ctx.config.frontend, {
    region: ctx.region,
    userPoolId: ctx.state.resources.userPoolId ?? '(known after up)',
    clientId: ctx.state.resources.clientId ?? '(known after up)',
  });
}

export const frontendEnvStep: Step<EnvActual> = {
  id: 'frontend-env',
  title: 'Frontend .env',
  dependsOn: ['app-client'],

  async read(ctx) {
    const path = envPath(ctx);
    if (!path) return { status: 'absent' };
    const text = await readEnvFile(path);
    if (text === undefined) return { status: 'absent' };
    const values = parseEnv(text);
    return { status: 'present', actual: { values: Object.fromEntries(Object.keys(desiredEntries(ctx)).map((k) => [k, values.get(k)])) } };
  },

  plan(ctx, observed): Change {
    const path = envPath(ctx);
    if (!path) return noop('skipped (frontend.envFile is false)');
    const want = desiredEntries(ctx);
    const diffs = diffFields(observed.status === 'present' ? observed.actual.values : {}, want);
    if (diffs.length === 0) return noop(`unchanged (${path})`);
    return {
      kind: observed.status === 'absent' ? 'create' : 'update',
      summary: `${observed.status === 'absent' ? 'write' : 'update'} ${diffs.map((d) => d.field).join(', ')} in ${path}`,
      diffs,
      notes: [],
      apply: async (c) => {
        const text = (await readEnvFile(path)) ?? '';
        const entries = desiredEntries(c);
        await writeEnvFile(path, editEnv(text, entries));
        const previous = c.state.resources.frontend;
        c.state.resources.frontend = {
          envFile: path,
          keys: Object.keys(entries),
          ...(previous?.outputsFile ? { outputsFile: previous.outputsFile } : {}),
          // Remembered so teardown deletes a file that only we ever wrote to.
          createdFile: observed.status === 'absent' || Boolean(previous?.createdFile),
        };
      },
    };
  },

  async destroy(ctx) {
    const recorded = ctx.state.resources.frontend;
    const path = recorded?.envFile ?? envPath(ctx);
    if (!path) return { action: 'absent', summary: 'nothing written' };
    const text = await readEnvFile(path);
    if (text === undefined) return { action: 'absent', summary: 'already gone' };
    const keys = recorded?.keys ?? Object.keys(desiredEntries(ctx));
    const edited = editEnv(text, {}, keys);
    if (edited === text) return { action: 'absent', summary: `no otp-setup keys in ${path}` };
    if (edited.trim() === '' && recorded?.createdFile) await unlink(path);
    else await writeEnvFile(path, edited);
    delete ctx.state.resources.frontend;
    return { action: 'deleted', summary: `removed ${keys.length} keys from ${path}` };
  },
};
