import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load-config.js';
import type { StepContext } from '../../../src/core/step.js';
import { frontendEnvStep } from '../../../src/steps/frontend-env-step.js';

let dir: string;

function context(frontend: Record<string, unknown>, resources: Record<string, unknown> = { userPoolId: 'us-east-1_Pool1', clientId: 'client1' }): StepContext {
  // Only the fields this step reads; the rest of the context belongs to the AWS steps.
  return {
    config: parseConfig({ email: { from: 'a@example.com' }, frontend }),
    configDir: dir,
    region: 'us-east-1',
    state: { version: 1, stackId: 's', region: 'us-east-1', accountId: '1', updatedAt: '', resources, steps: {} },
    progress: () => undefined,
    note: () => undefined,
  } as unknown as StepContext;
}

async function up(ctx: StepContext) {
  const change = frontendEnvStep.plan(ctx, await frontendEnvStep.read(ctx));
  await change.apply?.(ctx);
  return change;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'otp-step-'));
});

describe('frontend-env step', () => {
  it('merges into the configured env file, records it, and teardown restores the user\'s file', async () => {
    await writeFile(join(dir, 'web.env'), '# mine\r\nNEXT_PUBLIC_API=https://api\r\n');
    const ctx = context({ envFile: 'web.env', preset: 'next' });
    const change = await up(ctx);
    expect(change.kind).toBe('update');
    const text = await readFile(join(dir, 'web.env'), 'utf8');
    expect(text).toContain('# mine\r\nNEXT_PUBLIC_API=https://api\r\n');
    expect(text).toContain('NEXT_PUBLIC_EMAIL_OTP_USER_POOL_ID=us-east-1_Pool1\r\n');
    expect(ctx.state.resources.frontend).toMatchObject({ envFile: join(dir, 'web.env'), createdFile: false });
    expect((await up(ctx)).kind).toBe('noop');
    await frontendEnvStep.destroy(ctx);
    expect(await readFile(join(dir, 'web.env'), 'utf8')).toBe('# mine\r\nNEXT_PUBLIC_API=https://api\r\n');
  });

  it('writes the outputs file on request and teardown deletes both files it created', async () => {
    // A path like "../web/.env.local": relative to the config file's folder.
    const ctx = context({ envFile: `../${basename(dir)}/app/.env.local`, outputsFile: 'app/amplify_outputs.json' });
    const change = await up(ctx);
    expect(change.kind).toBe('create');
    expect(change.summary).toMatch(/auth section of .*amplify_outputs\.json/);
    const outputs = JSON.parse(await readFile(join(dir, 'app', 'amplify_outputs.json'), 'utf8')) as { auth: Record<string, unknown> };
    expect(outputs.auth.user_pool_id).toBe('us-east-1_Pool1');
    expect(ctx.state.resources.frontend?.outputsFile).toBe(join(dir, 'app', 'amplify_outputs.json'));
    expect((await up(ctx)).kind).toBe('noop');
    // A new client id (e.g. a replaced client) is an update of both files.
    ctx.state.resources.clientId = 'client2';
    const update = await up(ctx);
    expect(update.diffs.map((d) => d.field)).toEqual(['VITE_EMAIL_OTP_CLIENT_ID', 'auth.user_pool_client_id']);
    const outcome = await frontendEnvStep.destroy(ctx);
    expect(outcome.action).toBe('deleted');
    expect(await readdir(join(dir, 'app'))).toEqual([]);
    expect(ctx.state.resources.frontend).toBeUndefined();
  });

  it('points an env file written by the sandbox back at AWS by removing the endpoint key', async () => {
    await writeFile(join(dir, '.env'), 'A=1\nVITE_AWS_REGION=us-east-1\nVITE_EMAIL_OTP_USER_POOL_ID=us-east-1_Sandbox\nVITE_EMAIL_OTP_CLIENT_ID=sandboxclient\nVITE_EMAIL_OTP_ENDPOINT=http://127.0.0.1:9229\n');
    const ctx = context({});
    const change = await up(ctx);
    expect(change.diffs.map((d) => d.field)).toEqual(['VITE_EMAIL_OTP_USER_POOL_ID', 'VITE_EMAIL_OTP_CLIENT_ID', 'VITE_EMAIL_OTP_ENDPOINT']);
    expect(await readFile(join(dir, '.env'), 'utf8')).toBe('A=1\nVITE_AWS_REGION=us-east-1\nVITE_EMAIL_OTP_USER_POOL_ID=us-east-1_Pool1\nVITE_EMAIL_OTP_CLIENT_ID=client1\n');
    expect((await up(ctx)).kind).toBe('noop');
    expect((await frontendEnvStep.destroy(ctx)).summary).toMatch(/removed 3 keys/);
    expect(await readFile(join(dir, '.env'), 'utf8')).toBe('A=1\n');
  });

  it('writes only the outputs file when envFile is false', async () => {
    const ctx = context({ envFile: false, outputsFile: 'amplify_outputs.json' });
    await up(ctx);
    expect(await readdir(dir)).toEqual(['amplify_outputs.json']);
  });

  it('plans without writing anything', async () => {
    const ctx = context({});
    const change = frontendEnvStep.plan(ctx, await frontendEnvStep.read(ctx));
    expect(change.kind).toBe('create');
    expect(await readdir(dir)).toEqual([]);
  });
});
