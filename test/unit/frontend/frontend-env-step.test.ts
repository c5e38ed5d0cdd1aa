import { mkdtemp, readdir, readFile, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load-config.js';
import { StateStore } from '../../../src/core/state-store.js';
import type { StepContext } from '../../../src/core/step.js';
import { frontendEnvStep } from '../../../src/steps/frontend-env-step.js';

let dir: string;

function context(
  frontend: Record<string, unknown>,
  resources: Record<string, unknown> = { userPoolId: 'us-east-1_Pool1', clientId: 'client1' },
  region = 'us-east-1',
): StepContext {
  // Only the fields this step reads; the rest of the context belongs to the AWS steps.
  return {
    config: parseConfig({ email: { from: 'a@example.com' }, frontend }),
    configDir: dir,
    region,
    state: { version: 1, stackId: 's', region, accountId: '1', updatedAt: '', resources, steps: {} },
    progress: () => undefined,
    note: () => undefined,
  } as unknown as StepContext;
}

async function up(ctx: StepContext) {
  const change = frontendEnvStep.plan(ctx, await frontendEnvStep.read(ctx));
  await change.apply?.(ctx);
  // As the runner does: the state file is what another region's run sees.
  await new StateStore(dir, ctx.state).save(ctx.state);
  return change;
}

async function teardown(ctx: StepContext) {
  const outcome = await frontendEnvStep.destroy(ctx, await frontendEnvStep.read(ctx));
  await new StateStore(dir, ctx.state).remove();
  return outcome;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'otp-step-'));
});

describe('frontend-env step', () => {
  it("merges into the configured env file, records it, and teardown restores the user's file", async () => {
    await writeFile(join(dir, 'web.env'), '# mine\r\nNEXT_PUBLIC_API=https://api\r\n');
    const ctx = context({ envFile: 'web.env', preset: 'next' });
    const change = await up(ctx);
    expect(change.kind).toBe('update');
    const text = await readFile(join(dir, 'web.env'), 'utf8');
    expect(text).toContain('# mine\r\nNEXT_PUBLIC_API=https://api\r\n');
    expect(text).toContain('NEXT_PUBLIC_EMAIL_OTP_USER_POOL_ID=us-east-1_Pool1\r\n');
    expect(ctx.state.resources.frontend).toMatchObject({ envFile: join(dir, 'web.env'), createdFile: false });
    expect((await up(ctx)).kind).toBe('noop');
    await frontendEnvStep.destroy(ctx, await frontendEnvStep.read(ctx));
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
    const outcome = await frontendEnvStep.destroy(ctx, await frontendEnvStep.read(ctx));
    expect(outcome.action).toBe('deleted');
    expect(await readdir(join(dir, 'app'))).toEqual([]);
    expect(ctx.state.resources.frontend).toBeUndefined();
  });

  it('points an env file written by the sandbox back at AWS by removing the endpoint key', async () => {
    await writeFile(
      join(dir, '.env'),
      'A=1\nVITE_AWS_REGION=us-east-1\nVITE_EMAIL_OTP_USER_POOL_ID=us-east-1_Sandbox\nVITE_EMAIL_OTP_CLIENT_ID=sandboxclient\nVITE_EMAIL_OTP_ENDPOINT=http://127.0.0.1:9229\n',
    );
    const ctx = context({});
    const change = await up(ctx);
    expect(change.diffs.map((d) => d.field)).toEqual([
      'VITE_EMAIL_OTP_USER_POOL_ID',
      'VITE_EMAIL_OTP_CLIENT_ID',
      'VITE_EMAIL_OTP_ENDPOINT',
    ]);
    expect(await readFile(join(dir, '.env'), 'utf8')).toBe(
      'A=1\nVITE_AWS_REGION=us-east-1\nVITE_EMAIL_OTP_USER_POOL_ID=us-east-1_Pool1\nVITE_EMAIL_OTP_CLIENT_ID=client1\n',
    );
    expect((await up(ctx)).kind).toBe('noop');
    expect((await frontendEnvStep.destroy(ctx, await frontendEnvStep.read(ctx))).summary).toMatch(/removed 3 keys/);
    expect(await readFile(join(dir, '.env'), 'utf8')).toBe('A=1\n');
  });

  it('writes only the outputs file when envFile is false', async () => {
    const ctx = context({ envFile: false, outputsFile: 'amplify_outputs.json' });
    await up(ctx);
    expect((await readdir(dir)).filter((f) => f !== '.otp-setup')).toEqual(['amplify_outputs.json']);
  });

  it('plans without writing anything', async () => {
    const ctx = context({});
    const change = frontendEnvStep.plan(ctx, await frontendEnvStep.read(ctx));
    expect(change.kind).toBe('create');
    expect(await readdir(dir)).toEqual([]);
  });

  it("restores the user's own line for a key it manages, with export and comment, on teardown", async () => {
    const before = 'export VITE_AWS_REGION=eu-west-1  # mine\r\nVITE_EMAIL_OTP_CLIENT_ID=placeholder # fill in\r\nA=1';
    await writeFile(join(dir, '.env'), before);
    await chmod(join(dir, '.env'), 0o600);
    const ctx = context({});
    const change = await up(ctx);
    expect(change.notes.join('\n')).toContain('VITE_AWS_REGION in');
    expect(change.notes.join('\n')).toContain('holds your own value (eu-west-1)');
    const written = await readFile(join(dir, '.env'), 'utf8');
    expect(written).toContain('export VITE_AWS_REGION=us-east-1  # mine\r\nVITE_EMAIL_OTP_CLIENT_ID=client1 # fill in\r\n');
    expect((await up(ctx)).kind).toBe('noop');
    const outcome = await teardown(ctx);
    expect(outcome.summary).toMatch(/restored your VITE_AWS_REGION, VITE_EMAIL_OTP_CLIENT_ID/);
    expect(await readFile(join(dir, '.env'), 'utf8')).toBe(before);
    expect((await stat(join(dir, '.env'))).mode & 0o777).toBe(0o600);
  });

  it('takes its keys back out of the old file when frontend.envFile changes, and out of every file when it is false', async () => {
    await writeFile(join(dir, 'old.env'), 'A=1\n');
    const first = context({ envFile: 'old.env' });
    await up(first);
    const moved = context({ envFile: 'new.env' }, first.state.resources);
    moved.state = first.state;
    const change = frontendEnvStep.plan(moved, await frontendEnvStep.read(moved));
    expect(change.summary).toContain(`take our keys back out of ${join(dir, 'old.env')}`);
    expect(change.diffs).toContainEqual({ field: 'envFile', actual: join(dir, 'old.env'), desired: join(dir, 'new.env') });
    await up(moved);
    expect(await readFile(join(dir, 'old.env'), 'utf8')).toBe('A=1\n');
    expect(parseEnvKeys(await readFile(join(dir, 'new.env'), 'utf8'))).toContain('VITE_EMAIL_OTP_USER_POOL_ID');
    expect(Object.keys(moved.state.resources.frontend?.envFiles ?? {})).toEqual([join(dir, 'new.env')]);

    const off = context({ envFile: false }, moved.state.resources);
    off.state = moved.state;
    const offChange = await up(off);
    expect(offChange.summary).toBe(`take our keys back out of ${join(dir, 'new.env')}`);
    // new.env was created by otp-setup and held nothing else: it is gone.
    expect((await readdir(dir)).filter((f) => f.endsWith('.env'))).toEqual(['old.env']);
    expect(off.state.resources.frontend).toBeUndefined();
    const again = frontendEnvStep.plan(off, await frontendEnvStep.read(off));
    expect(again).toMatchObject({ kind: 'noop', summary: 'skipped (frontend.envFile is false)' });
  });

  it("two regions sharing one .env: tearing one down gives the other its values back, the last restores the user's", async () => {
    const before = '# app\nexport VITE_AWS_REGION=ap-south-1 # mine\n';
    await writeFile(join(dir, '.env'), before);
    const us = context({});
    await up(us);
    const eu = context({}, { userPoolId: 'eu-west-1_Pool2', clientId: 'client2' }, 'eu-west-1');
    await up(eu);
    expect(await readFile(join(dir, '.env'), 'utf8')).toContain('export VITE_AWS_REGION=eu-west-1 # mine\n');
    await teardown(eu);
    const afterEu = await readFile(join(dir, '.env'), 'utf8');
    expect(afterEu).toContain('export VITE_AWS_REGION=us-east-1 # mine\n');
    expect(afterEu).toContain('VITE_EMAIL_OTP_USER_POOL_ID=us-east-1_Pool1\n');
    await teardown(us);
    expect(await readFile(join(dir, '.env'), 'utf8')).toBe(before);
  });

  it('moving frontend.outputsFile removes our auth section from the old file and keeps the rest of it', async () => {
    await writeFile(join(dir, 'old.json'), JSON.stringify({ version: '1.3', data: { url: 'https://api' } }));
    const first = context({ envFile: false, outputsFile: 'old.json' });
    await up(first);
    const moved = context({ envFile: false, outputsFile: 'new.json' }, first.state.resources);
    moved.state = first.state;
    const change = await up(moved);
    expect(change.summary).toContain(`remove our auth section from ${join(dir, 'old.json')}`);
    expect(JSON.parse(await readFile(join(dir, 'old.json'), 'utf8'))).toEqual({ version: '1.3', data: { url: 'https://api' } });
    expect(JSON.parse(await readFile(join(dir, 'new.json'), 'utf8')).auth.user_pool_id).toBe('us-east-1_Pool1');
  });

  it("without any record (a lost state file), teardown removes only the keys below our header that hold this stack's values", async () => {
    const ours =
      '# Cognito email sign-in (written by otp-setup)\nVITE_EMAIL_OTP_USER_POOL_ID=us-east-1_Pool1\nVITE_EMAIL_OTP_CLIENT_ID=client1\n';
    await writeFile(join(dir, '.env'), `VITE_AWS_REGION=us-east-1\nA=1\n\n${ours}`);
    const ctx = context({});
    await teardown(ctx);
    expect(await readFile(join(dir, '.env'), 'utf8')).toBe('VITE_AWS_REGION=us-east-1\nA=1\n');
    // A file that holds nothing else is deleted, as `up` would have recorded it created.
    await writeFile(join(dir, '.env'), ours);
    await teardown(context({}));
    expect((await readdir(dir)).filter((f) => f === '.env')).toEqual([]);
  });
});

function parseEnvKeys(text: string): string[] {
  return text.split('\n').map((l) => l.split('=')[0]!);
}
