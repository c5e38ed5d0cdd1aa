import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  ListUsersCommand,
  RespondToAuthChallengeCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { resourceNames } from '../../src/config/resource-names.js';
import { runInProcess } from '../support/in-process.js';
import { startSandbox, type RunningSandbox } from '../support/sandbox.js';
import { cliEnv, projectDir, waitFor } from './test-auth-support.js';

let dir: string;
let sandbox: RunningSandbox;

beforeAll(async () => {
  dir = await projectDir();
  sandbox = await startSandbox({ cwd: dir });
});

afterAll(async () => {
  await sandbox?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('otp-setup sandbox (the built CLI)', () => {
  it('points the frontend .env at itself with a real-looking pool id', async () => {
    const env = await readFile(join(dir, '.env'), 'utf8');
    expect(env).toContain(`VITE_EMAIL_OTP_USER_POOL_ID=${sandbox.userPoolId}`);
    expect(env).toContain(`VITE_EMAIL_OTP_CLIENT_ID=${sandbox.clientId}`);
    expect(env).toContain(`VITE_EMAIL_OTP_ENDPOINT=${sandbox.url}`);
    expect(sandbox.userPoolId).toMatch(/^us-east-1_[0-9a-zA-Z]+$/);
  });

  it('prints each captured email with its code to stdout and serves it as JSON', async () => {
    const cognito = new CognitoIdentityProviderClient({
      region: 'us-east-1',
      endpoint: sandbox.url,
      credentials: { accessKeyId: 't', secretAccessKey: 't' },
    });
    try {
      const email = 'cli@example.com';
      await cognito.send(
        new SignUpCommand({
          ClientId: sandbox.clientId,
          Username: email,
          Password: 'any-Password-1',
          UserAttributes: [{ Name: 'email', Value: email }],
        }),
      );
      await cognito.send(
        new InitiateAuthCommand({ ClientId: sandbox.clientId, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: email } }),
      );
      const mail = await sandbox.latestMail(email);
      expect(mail?.code).toMatch(/^\d{6}$/);
      const line = await waitFor(
        async () =>
          sandbox
            .output()
            .stdout.split('\n')
            .find((l) => l.includes('"event":"mail"') && l.includes(email)),
        'the mail line',
      );
      expect(JSON.parse(line)).toMatchObject({ event: 'mail', to: email, code: mail!.code });
      expect(await sandbox.latestMail('nobody-wrote@example.com')).toBeUndefined();
    } finally {
      cognito.destroy();
    }
  });

  it('runs the same bundles that `otp-setup package` writes as zips', async () => {
    const out = join(dir, 'zips');
    const res = await runInProcess(['package', '--out', out], { cwd: dir, env: cliEnv() });
    expect(res.code, res.stderr).toBe(0);
    const names = resourceNames(parseConfig({ email: { from: 'noreply@example.com' } }));
    const running = (await (await fetch(`${sandbox.url}/_sandbox/handlers`)).json()) as Record<string, string>;
    expect(Object.keys(running).sort()).toEqual(Object.keys(names.functions).sort());
    for (const [kind, fn] of Object.entries(names.functions)) {
      const zip = await readFile(join(out, `${fn}.zip`));
      expect(running[kind], kind).toBe(createHash('sha256').update(zip).digest('base64'));
    }
  });

  it('package --out naming a file is a usage error that says so, and writes nothing', async () => {
    const file = join(dir, 'not-a-folder');
    await writeFile(file, 'mine');
    const res = await runInProcess(['package', '--out', file], { cwd: dir, env: cliEnv() });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('is a file, not a folder');
    expect(res.stderr).toContain('OUT_NOT_A_FOLDER');
    expect(await readFile(file, 'utf8')).toBe('mine');
  });

  it('keeps its pool across a restart', async () => {
    const before = { pool: sandbox.userPoolId, client: sandbox.clientId };
    await sandbox.stop();
    sandbox = await startSandbox({ cwd: dir });
    expect({ pool: sandbox.userPoolId, client: sandbox.clientId }).toEqual(before);
    expect((await sandbox.mails('cli@example.com')).length).toBe(1);
  });

  it('loses no user and no session to kill -9', async () => {
    const cognito = new CognitoIdentityProviderClient({
      region: 'us-east-1',
      endpoint: sandbox.url,
      credentials: { accessKeyId: 't', secretAccessKey: 't' },
      maxAttempts: 1,
    });
    const emails = Array.from({ length: 20 }, (_, i) => `crash-${i}@example.com`);
    let session: string | undefined;
    try {
      await Promise.all(
        emails.map((email) =>
          cognito.send(
            new SignUpCommand({
              ClientId: sandbox.clientId,
              Username: email,
              Password: 'Crash-Pass-1!',
              UserAttributes: [{ Name: 'email', Value: email }],
            }),
          ),
        ),
      );
      session = (
        await cognito.send(
          new InitiateAuthCommand({ ClientId: sandbox.clientId, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: emails[0]! } }),
        )
      ).Session;
    } finally {
      cognito.destroy();
    }
    // Killed the instant the last answer arrived: whatever the caller was told must be on disk.
    await sandbox.kill();
    sandbox = await startSandbox({ cwd: dir });
    const after = new CognitoIdentityProviderClient({
      region: 'us-east-1',
      endpoint: sandbox.url,
      credentials: { accessKeyId: 't', secretAccessKey: 't' },
      maxAttempts: 1,
    });
    try {
      const listed = await after.send(new ListUsersCommand({ UserPoolId: sandbox.userPoolId, Filter: 'email ^= "crash-"' }));
      expect(listed.Users?.length).toBe(emails.length);
      const code = (await sandbox.latestMail(emails[0]!))!.code!;
      const done = await after.send(
        new RespondToAuthChallengeCommand({
          ClientId: sandbox.clientId,
          ChallengeName: 'CUSTOM_CHALLENGE',
          Session: session,
          ChallengeResponses: { USERNAME: emails[0]!, ANSWER: code },
        }),
      );
      expect(done.AuthenticationResult?.IdToken).toBeDefined();
    } finally {
      after.destroy();
    }
  });
});

describe('otp-setup sandbox in an empty folder', () => {
  it('starts with the defaults and a placeholder sender, serves the sign-in page and says it listens on loopback only', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'otp-sandbox-empty-'));
    const s = await startSandbox({ cwd: empty });
    try {
      const page = await (await fetch(`${s.url}/`)).text();
      expect(page).toContain('<script src="/_sandbox/app.js"></script>');
      expect(page).toContain(s.userPoolId);
      const app = await fetch(`${s.url}/_sandbox/app.js`);
      expect(app.status).toBe(200);
      expect(app.headers.get('content-type')).toContain('javascript');
      const ready = JSON.parse(
        s
          .output()
          .stdout.split('\n')
          .find((l) => l.includes('"event":"ready"'))!,
      ) as Record<string, unknown>;
      expect(ready).toMatchObject({ defaults: true, exposed: false });
      expect(await readFile(join(empty, '.env'), 'utf8')).toContain(`VITE_EMAIL_OTP_ENDPOINT=${s.url}`);
    } finally {
      await s.stop();
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('warns when --host reaches beyond this machine', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'otp-sandbox-host-'));
    const s = await startSandbox({ cwd: empty, args: ['--host', '0.0.0.0', '--no-env'] });
    try {
      const ready = JSON.parse(
        s
          .output()
          .stdout.split('\n')
          .find((l) => l.includes('"event":"ready"'))!,
      ) as Record<string, unknown>;
      expect(ready).toMatchObject({ exposed: true });
      expect(s.output().stderr).toContain('beyond this machine');
    } finally {
      await s.stop();
      await rm(empty, { recursive: true, force: true });
    }
  });
});
