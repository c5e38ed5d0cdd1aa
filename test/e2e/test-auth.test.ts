import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { startSandboxServer } from '../../src/sandbox/sandbox-server.js';
import { BIN, runCli } from '../support/cli.js';
import { runInProcess } from '../support/in-process.js';
import { startSandbox, type RunningSandbox } from '../support/sandbox.js';
import { cliEnv, projectDir, runFed, waitFor } from './test-auth-support.js';

let dir: string;
let sandbox: RunningSandbox;

beforeAll(async () => {
  dir = await projectDir();
  sandbox = await startSandbox({ cwd: dir, args: ['--no-env'] });
});

afterAll(async () => {
  await sandbox?.stop();
  await rm(dir, { recursive: true, force: true });
});

const base = (email: string) => ['test-auth', '--email', email, '--endpoint-url', sandbox.url];
const codeFor = async (email: string, after = 0) =>
  waitFor(async () => {
    const all = await sandbox.mails(email);
    return all.length > after ? all[all.length - 1]!.code : undefined;
  }, `an email to ${email}`);
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

describe('otp-setup test-auth against the sandbox', () => {
  it('needs no AWS credentials at all for the sandbox', async () => {
    const env = {
      ...cliEnv(),
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      HOME: dir,
      AWS_CONFIG_FILE: `${dir}/none`,
      AWS_SHARED_CREDENTIALS_FILE: `${dir}/none`,
    };
    // A process of its own: the SDK's credential chain reads process.env and ~/.aws, not the run's env.
    const res = await runCli([...base('nocreds@example.com'), '--create-user', '--code', '000000'], { cwd: dir, env });
    expect(res.stderr).not.toContain('NO_CREDENTIALS');
    expect(res.stderr).toContain('Created user nocreds@example.com');
    expect(res.stderr).toContain('Code sent to n***@e***.com');
  });

  it('creates the user, reads the code from stdin, verifies the tokens and revokes the session', async () => {
    const email = 'stdin@example.com';
    let code = '';
    const res = await runFed([...base(email), '--create-user', '--json'], dir, async (write, end) => {
      code = (await codeFor(email))!;
      write(code);
      end();
    });
    expect(res.code, res.stderr).toBe(0);
    expect(res.json).toMatchObject({
      ok: true,
      command: 'test-auth',
      email,
      userCreated: true,
      userPoolId: sandbox.userPoolId,
      clientId: sandbox.clientId,
      attempts: 1,
      refreshTokenRevoked: true,
      issuer: `${sandbox.url}/${sandbox.userPoolId}`,
    });
    expect((res.json!.idToken as { lifetimeSeconds: number }).lifetimeSeconds).toBe(3600);
    // Neither the code nor any token is printed without --show-tokens.
    expect(res.stdout + res.stderr).not.toContain(code);
    expect(res.stdout + res.stderr).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
    expect(res.json).not.toHaveProperty('tokens');
  });

  it('works as well through http://localhost:<port>: the tokens name the address it used', async () => {
    const email = 'localhost-name@example.com';
    const local = sandbox.url.replace('127.0.0.1', 'localhost');
    const res = await runFed(
      ['test-auth', '--email', email, '--endpoint-url', local, '--create-user', '--json'],
      dir,
      async (write, end) => {
        write(await codeFor(email));
        end();
      },
    );
    expect(res.code, res.stderr).toBe(0);
    expect(res.json).toMatchObject({ ok: true, issuer: `${local}/${sandbox.userPoolId}` });
  });

  it('finds the pool by asking the sandbox, takes a wrong --code, says how many attempts are left, then accepts the code from stdin; --show-tokens prints them', async () => {
    const email = 'flag@example.com';
    await runFed([...base(email), '--create-user', '--json'], dir, async (write, end) => {
      write(await codeFor(email));
      end();
    });
    const before = (await sandbox.mails(email)).length;
    let code = '';
    // 000000 is the emailed code one time in a million; then this sign-in passes on attempt 1.
    const res = await runFed([...base(email), '--code', '000000', '--show-tokens'], dir, async (write, end) => {
      code = (await codeFor(email, before))!;
      write(code);
      end();
    });
    expect(res.code, res.stderr).toBe(0);
    if (code !== '000000') expect(res.stderr).toContain('Wrong code. 2 attempts left.');
    expect(res.stdout).toMatch(/Signed in as flag@example\.com/);
    expect(res.stdout).toMatch(/ID token: +eyJ/);
    expect((await sandbox.mails(email)).length).toBe(before + 1);
  });

  it('a piped code of the wrong length is not sent and costs no attempt', async () => {
    const email = 'length@example.com';
    await runFed([...base(email), '--create-user'], dir, async (write, end) => {
      write(await codeFor(email));
      end();
    });
    const before = (await sandbox.mails(email)).length;
    const res = await runFed(base(email), dir, async (write, end) => {
      const code = await codeFor(email, before);
      write(code.slice(1));
      write(`${code}9`);
      write(code);
      end();
    });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain("That code has 5 digits; this pool's codes have 6. It was not sent and used no attempt.");
    expect(res.stderr).toContain("That code has 7 digits; this pool's codes have 6.");
    expect(res.stderr).not.toContain('Wrong code');
    // Signed in on the first attempt the pool saw.
    expect(res.stdout).toMatch(/Signed in as length@example\.com \(username [^)]*\)\.\n/);
    expect((await sandbox.mails(email)).length).toBe(before + 1);
  });

  it('a trigger refusing the address: one final period, and advice that fits the sandbox (not CloudWatch)', async () => {
    const res = await runInProcess([...base('<script>@x.com'), '--create-user', '--code', '000000'], { cwd: dir, env: cliEnv() });
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr).toContain('[TRIGGER_FAILED]');
    expect(res.stderr).not.toMatch(/\.\. \[TRIGGER_FAILED\]/);
    expect(res.stderr).toContain('restart it with --debug');
    expect(res.stderr).not.toContain('aws logs tail');
  });

  it('fails with exit 1 after three wrong codes, without a stack trace', async () => {
    const email = 'wrong@example.com';
    await runFed([...base(email), '--create-user'], dir, async (write, end) => {
      write(await codeFor(email));
      end();
    });
    const before = (await sandbox.mails(email)).length;
    const res = await runFed([...base(email), '--json'], dir, async (write, end) => {
      const code = await codeFor(email, before);
      for (let i = 0; i < 3; i++) write(wrong(code));
      end();
    });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('2 attempts left');
    expect(res.stderr).toContain('1 attempt left');
    expect(res.json).toMatchObject({ ok: false, error: { code: 'SIGN_IN_FAILED' } });
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });

  it('says clearly that a user does not exist unless --create-user is given', async () => {
    const res = await runInProcess([...base('ghost@example.com'), '--json'], { cwd: dir, env: cliEnv() });
    expect(res.code).toBe(1);
    expect(res.json).toMatchObject({ ok: false, error: { code: 'USER_NOT_FOUND' } });
    expect(res.stderr).toContain('--create-user');
    expect(await sandbox.mails('ghost@example.com')).toEqual([]);
  });

  it('is a usage error (exit 2) to pass a malformed email', async () => {
    const res = await runInProcess([...base('not-an-email')], { cwd: dir, env: cliEnv() });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('INVALID_EMAIL');
  });

  it('asks for the code on a terminal (pseudo-terminal via script)', async () => {
    const email = 'tty@example.com';
    await runFed([...base(email), '--create-user'], dir, async (write, end) => {
      write(await codeFor(email));
      end();
    });
    const before = (await sandbox.mails(email)).length;
    // A pty from `script` has no size; give it one, as a real terminal has.
    const command = `stty cols 120 rows 40; ${[process.execPath, BIN, ...base(email)].map((a) => `'${a}'`).join(' ')}`;
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
      cwd: dir,
      env: { ...cliEnv(), TERM: 'xterm' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    child.stdout.on('data', (d: Buffer) => (screen += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    await waitFor(async () => (screen.includes('Code from the email') ? true : undefined), 'the prompt');
    const code = await codeFor(email, before);
    child.stdin.write(`${wrong(code)}\r`);
    // Typed only once the next prompt is up: between prompts the terminal is back in cooked mode and
    // would echo the code in clear, which a slow machine makes likely (this raced under load).
    await waitFor(async () => (/2 attempts left[\s\S]*Code from the email/.test(screen) ? true : undefined), 'the retry prompt');
    child.stdin.write(`${code}\r`);
    expect(await exited).toBe(0);
    expect(screen).toMatch(/Signed in as tty@example\.com/);
    // The code is masked as the README shows it, never echoed.
    expect(screen).toContain(`Code from the email to t***@e***.com: ${'*'.repeat(code.length)}`);
    expect(screen).not.toContain(code);
    expect(screen).not.toContain(wrong(code));
    child.stdin.end();
  });
});

describe('otp-setup test-auth on an expired session', () => {
  it('says the session expired', async () => {
    const d = await projectDir();
    let clock = 0;
    let mailed: string | undefined;
    const config = parseConfig({ region: 'us-east-1', email: { from: 'noreply@example.com' } });
    const server = await startSandboxServer({
      configDir: d,
      config,
      port: 0,
      now: () => Date.now() + clock,
      onMail: (m) => (mailed = m.code),
    });
    try {
      const args = [
        'test-auth',
        '--email',
        'late@example.com',
        '--create-user',
        '--endpoint-url',
        server.url,
        '--user-pool-id',
        server.userPoolId,
        '--client-id',
        server.clientId,
        '--json',
      ];
      const res = await runFed(args, d, async (write, end, output) => {
        const code = await waitFor(async () => mailed, 'the code email');
        // The email goes out while the sign-in is still being set up; the session exists (and its
        // clock has started) once test-auth says the code was sent.
        await waitFor(async () => (output().includes('Code sent') ? true : undefined), 'the session');
        // The user takes longer than the client's auth-session validity to type the code.
        clock += (config.client.authSessionValidityMinutes * 60 + 5) * 1000;
        write(code);
        end();
      });
      expect(res.code).toBe(1);
      expect(res.json).toMatchObject({ ok: false, error: { code: 'SESSION_EXPIRED' } });
      expect(res.stderr).toContain('expired');
    } finally {
      await server.close();
      await rm(d, { recursive: true, force: true });
    }
  });
});
