import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CognitoIdentityProviderClient, InitiateAuthCommand, SignUpCommand } from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { resourceNames } from '../../src/config/resource-names.js';
import { runCli } from '../support/cli.js';
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
    const cognito = new CognitoIdentityProviderClient({ region: 'us-east-1', endpoint: sandbox.url, credentials: { accessKeyId: 't', secretAccessKey: 't' } });
    try {
      const email = 'cli@example.com';
      await cognito.send(new SignUpCommand({ ClientId: sandbox.clientId, Username: email, Password: 'any-Password-1', UserAttributes: [{ Name: 'email', Value: email }] }));
      await cognito.send(new InitiateAuthCommand({ ClientId: sandbox.clientId, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: email } }));
      const mail = await sandbox.latestMail(email);
      expect(mail?.code).toMatch(/^\d{6}$/);
      const line = await waitFor(async () => sandbox.output().stdout.split('\n').find((l) => l.includes('"event":"mail"') && l.includes(email)), 'the mail line');
      expect(JSON.parse(line)).toMatchObject({ event: 'mail', to: email, code: mail!.code });
      expect(await sandbox.latestMail('nobody-wrote@example.com')).toBeUndefined();
    } finally {
      cognito.destroy();
    }
  });

  it('runs the same bundles that `otp-setup package` writes as zips', async () => {
    const out = join(dir, 'zips');
    const res = await runCli(['package', '--out', out], { cwd: dir, env: cliEnv() });
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
    const res = await runCli(['package', '--out', file], { cwd: dir, env: cliEnv() });
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
});
