import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildHandlers, clearBuildCache, defaultTemplates, sha256Base64 } from '../../../src/package/build-handlers.js';
import { FUNCTION_KINDS, type FunctionKind } from '../../../src/config/function-kinds.js';
import type { BuiltHandler } from '../../../src/core/built-handler.js';
import { packageRoot } from '../../../src/package/package-root.js';
import { readZip } from './zip-reader.js';

const MAX_ZIP_BYTES = 20 * 1024;

let built: Record<FunctionKind, BuiltHandler>;
beforeAll(async () => {
  built = await buildHandlers();
});

describe('buildHandlers', () => {
  it('builds every function kind as one index.js in a small zip', () => {
    expect(Object.keys(built).sort()).toEqual([...FUNCTION_KINDS].sort());
    for (const kind of FUNCTION_KINDS) {
      const b = built[kind];
      expect(b.kind).toBe(kind);
      expect(b.handler).toBe('index.handler');
      expect(b.zip.length).toBeLessThanOrEqual(MAX_ZIP_BYTES);
      expect(b.codeSha256).toBe(sha256Base64(b.zip));
      expect(b.codeSha256).toMatch(/^[A-Za-z0-9+/]{43}=$/);
      const entries = readZip(b.zip);
      expect(entries.map((e) => e.name)).toEqual(['index.js']);
      expect(entries[0]?.data.toString('utf8')).toBe(b.code);
    }
  });

  it('writes fixed metadata: 1980-01-01 00:00, mode 0644', () => {
    for (const kind of FUNCTION_KINDS) {
      const [entry] = readZip(built[kind].zip);
      expect(entry?.dosDate).toBe((0 << 9) | (1 << 5) | 1);
      expect(entry?.dosTime).toBe(0);
      expect(entry?.unixMode).toBe(0o100644);
    }
  });

  it('bundles without absolute paths, sourcemaps, Math.random or a bundled AWS SDK', () => {
    const root = packageRoot();
    for (const kind of FUNCTION_KINDS) {
      const { code } = built[kind];
      expect(code).not.toContain(root);
      expect(code).not.toContain('sourceMappingURL');
      expect(code).not.toContain('Math.random');
      for (const id of code.match(/require\("([^"]+)"\)/g) ?? []) expect(id).toMatch(/^require\("(node:[a-z_]+|@aws-sdk\/[a-z0-9-]+)"\)$/);
    }
    expect(built['create-auth-challenge'].code).toContain('require("@aws-sdk/client-ses")');
    expect(built['define-auth-challenge'].code).not.toContain('@aws-sdk');
  });

  it('is deterministic: a fresh build (new module instance, other time zone) gives the same bytes', async () => {
    const tz = process.env.TZ;
    try {
      process.env.TZ = 'Pacific/Kiritimati';
      vi.resetModules();
      const fresh = await import('../../../src/package/build-handlers.js');
      fresh.clearBuildCache();
      const again = await fresh.buildHandlers();
      for (const kind of FUNCTION_KINDS) {
        expect(again[kind].codeSha256).toBe(built[kind].codeSha256);
        expect(again[kind].zip.equals(built[kind].zip)).toBe(true);
      }
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });

  it('embeds the templates: a template change changes only the create zip', async () => {
    const templates = await defaultTemplates();
    const changed = await buildHandlers({ templates: { ...templates, subject: 'Your code for Acme' } });
    expect(changed['create-auth-challenge'].codeSha256).not.toBe(built['create-auth-challenge'].codeSha256);
    expect(changed['create-auth-challenge'].code).toContain('Your code for Acme');
    for (const kind of ['define-auth-challenge', 'verify-auth-challenge', 'pre-sign-up'] as const) {
      expect(changed[kind].codeSha256).toBe(built[kind].codeSha256);
    }
  });

  it('builds only the requested kinds', async () => {
    const some = await buildHandlers({ kinds: ['verify-auth-challenge'] });
    expect(Object.keys(some)).toEqual(['verify-auth-challenge']);
    expect(some['verify-auth-challenge'].codeSha256).toBe(built['verify-auth-challenge'].codeSha256);
  });

  it('rejects templates without {{code}} and unknown kinds', async () => {
    await expect(buildHandlers({ templates: { subject: 's', text: 'no code', html: '<p>{{code}}</p>' } })).rejects.toThrow(/\{\{code\}\}/);
    await expect(buildHandlers({ kinds: ['nope' as FunctionKind] })).rejects.toThrow(/unknown function kind/);
  });

  it('hands out copies, so a caller cannot corrupt the cache', async () => {
    const a = await buildHandlers({ kinds: ['pre-sign-up'] });
    a['pre-sign-up'].zip.fill(0);
    const b = await buildHandlers({ kinds: ['pre-sign-up'] });
    expect(sha256Base64(b['pre-sign-up'].zip)).toBe(built['pre-sign-up'].codeSha256);
    clearBuildCache();
  });

  it('reads the default templates from templates/', async () => {
    const t = await defaultTemplates();
    expect(t.subject).toBe((await readFile(join(packageRoot(), 'templates', 'subject.txt'), 'utf8')).trim());
    expect(t.text).toContain('{{code}}');
    expect(t.html).toContain('{{code}}');
    expect(t.html).toContain('{{email}}');
  });
});

describe('the zips load and run the way Lambda runs them', () => {
  let dir: string;
  const env = { ...process.env };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'otp-lambda-'));
    // The nodejs22.x runtime provides @aws-sdk/*; here the repo's node_modules plays that part.
    await symlink(join(packageRoot(), 'node_modules'), join(dir, 'node_modules'), 'dir');
  });
  afterAll(async () => {
    process.env = env;
    await rm(dir, { recursive: true, force: true });
  });

  interface Loaded {
    handler: (event: unknown) => Promise<{ response: Record<string, unknown> }>;
    createHandler: (deps: Record<string, unknown>) => (event: unknown) => Promise<{ response: Record<string, unknown> }>;
  }

  async function load(kind: FunctionKind): Promise<Loaded> {
    const b = built[kind];
    const fnDir = join(dir, kind);
    await rm(fnDir, { recursive: true, force: true });
    const { mkdir } = await import('node:fs/promises');
    await mkdir(fnDir);
    await symlink(join(dir, 'node_modules'), join(fnDir, 'node_modules'), 'dir');
    for (const entry of readZip(b.zip)) await writeFile(join(fnDir, entry.name), entry.data);
    // Handler "index.handler" = file index.js, export handler.
    const [file, exportName] = b.handler.split('.');
    const mod = createRequire(join(fnDir, 'noop.js'))(`./${file}.js`) as Record<string, unknown>;
    expect(typeof mod[exportName ?? '']).toBe('function');
    return mod as unknown as Loaded;
  }

  const common = {
    version: '1',
    region: 'us-east-1',
    userPoolId: 'us-east-1_AbCdEfGhI',
    userName: 'u-1',
    callerContext: { awsSdkVersion: 'x', clientId: 'c' },
  };
  const user = { sub: 'u-1', email: 'jane@example.com' };

  it('define, create, verify and pre-sign-up answer real events', async () => {
    process.env.FROM_EMAIL = 'noreply@example.com';
    process.env.LOG_LEVEL = 'error';
    process.env.AWS_REGION = 'us-east-1';
    process.env.OTP_HMAC_KEY = Buffer.alloc(32, 1).toString('base64url');

    const define = await load('define-auth-challenge');
    const first = await define.handler({
      ...common,
      triggerSource: 'DefineAuthChallenge_Authentication',
      request: { userAttributes: user, session: [] },
      response: {},
    });
    expect(first.response).toEqual({ challengeName: 'CUSTOM_CHALLENGE', issueTokens: false, failAuthentication: false });

    const create = await load('create-auth-challenge');
    // userNotFound: exercises the default SES client's module without sending anything.
    const ghost = await create.handler({
      ...common,
      triggerSource: 'CreateAuthChallenge_Authentication',
      request: { userAttributes: {}, challengeName: 'CUSTOM_CHALLENGE', session: [], userNotFound: true },
      response: {},
    });
    expect(Object.keys(ghost.response).sort()).toEqual(['challengeMetadata', 'privateChallengeParameters', 'publicChallengeParameters']);

    // With a recording SES client: the embedded default templates reach the email.
    const sent: Array<{ input: { Message: { Body: { Text: { Data: string } } } } }> = [];
    const withFake = create.createHandler({ ses: { send: async (c: (typeof sent)[number]) => void sent.push(c) } });
    const real = await withFake({
      ...common,
      triggerSource: 'CreateAuthChallenge_Authentication',
      request: { userAttributes: user, challengeName: 'CUSTOM_CHALLENGE', session: [] },
      response: {},
    });
    expect(sent).toHaveLength(1);
    const code = /code is: (\d{6})/.exec(sent[0]?.input.Message.Body.Text.Data ?? '')?.[1];
    expect(code).toMatch(/^\d{6}$/);

    const verify = await load('verify-auth-challenge');
    const verified = await verify.handler({
      ...common,
      triggerSource: 'VerifyAuthChallengeResponse_Authentication',
      request: { userAttributes: user, privateChallengeParameters: real.response.privateChallengeParameters, challengeAnswer: code },
      response: {},
    });
    expect(verified.response).toEqual({ answerCorrect: true });

    const tokens = await define.handler({
      ...common,
      triggerSource: 'DefineAuthChallenge_Authentication',
      request: {
        userAttributes: user,
        session: [{ challengeName: 'CUSTOM_CHALLENGE', challengeResult: true, challengeMetadata: real.response.challengeMetadata }],
      },
      response: {},
    });
    expect(tokens.response).toEqual({ issueTokens: true, failAuthentication: false });

    const preSignUp = await load('pre-sign-up');
    const signUp = await preSignUp.handler({
      ...common,
      triggerSource: 'PreSignUp_SignUp',
      request: { userAttributes: { email: 'new@example.com' }, validationData: null },
      response: { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false },
    });
    expect(signUp.response).toEqual({ autoConfirmUser: true, autoVerifyEmail: false, autoVerifyPhone: false });

    // Already verified: answers without calling Cognito (the default client's module loads).
    const post = await load('post-authentication');
    const after = await post.handler({
      ...common,
      triggerSource: 'PostAuthentication_Authentication',
      request: { userAttributes: { ...user, email_verified: 'true' }, newDeviceUsed: false },
      response: {},
    });
    expect(after.response).toEqual({});
    // Unverified: one AdminUpdateUserAttributes for this pool and user, through a recording client.
    const calls: Array<{ input: unknown }> = [];
    const marking = post.createHandler({ cognito: { send: async (c: { input: unknown }) => void calls.push(c) } });
    await marking({
      ...common,
      triggerSource: 'PostAuthentication_Authentication',
      request: { userAttributes: user, newDeviceUsed: false },
      response: {},
    });
    expect(calls.map((c) => c.input)).toEqual([
      { UserPoolId: 'us-east-1_AbCdEfGhI', Username: 'u-1', UserAttributes: [{ Name: 'email_verified', Value: 'true' }] },
    ]);
  });

  it('the bundled create fails loudly without FROM_EMAIL', async () => {
    delete process.env.FROM_EMAIL;
    process.env.LOG_LEVEL = 'error';
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const create = await load('create-auth-challenge');
      await expect(
        create.handler({ ...common, request: { userAttributes: user, challengeName: 'CUSTOM_CHALLENGE', session: [] }, response: {} }),
      ).rejects.toThrow(/FROM_EMAIL/);
      expect(errors).toHaveBeenCalledWith(expect.stringContaining('"variable":"FROM_EMAIL"'));
    } finally {
      errors.mockRestore();
    }
  });
});
