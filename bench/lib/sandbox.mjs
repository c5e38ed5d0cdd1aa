// Sign-ins per second through the sandbox's full custom-auth flow: InitiateAuth (Define, Create,
// the email to the sandbox's SES catcher) then RespondToAuthChallenge with the emailed code
// (Verify, Define, tokens). The sandbox runs as `otp-setup sandbox` pinned to one core; the
// load generator (this process) speaks the Cognito JSON protocol over keep-alive fetch and
// learns each code from the sandbox's --json mail events, as a user reads their inbox.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from './processes.mjs';
import { quantile } from './stats.mjs';

function startSandbox(dir, env) {
  const pin = existsSync('/usr/bin/taskset') && cpus().length > 1;
  const args = [BIN, 'sandbox', '--port', '0', '--json', '--no-env'];
  const child = pin ? spawn('taskset', ['-c', '0', process.execPath, ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const waiting = new Map();
  const early = new Map();
  let stderr = '';
  let buffer = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const ready = new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`sandbox exited with ${code}: ${stderr}`)));
    child.stdout.on('data', (d) => {
      buffer += d;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        const msg = JSON.parse(line);
        if (msg.event === 'ready') resolve(msg);
        else if (msg.event === 'mail') {
          const w = waiting.get(msg.to);
          if (w) {
            waiting.delete(msg.to);
            w(msg.code);
          } else early.set(msg.to, msg.code);
        }
      }
    });
  });
  const nextCode = (email) => {
    if (early.has(email)) {
      const code = early.get(email);
      early.delete(email);
      return Promise.resolve(code);
    }
    return new Promise((resolve) => waiting.set(email, resolve));
  };
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.removeAllListeners('exit');
      child.once('exit', resolve);
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    });
  return { ready, nextCode, stop, pinned: pin, stderr: () => stderr };
}

function cognito(url) {
  return async (operation, body) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${operation}` },
      body: JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`${operation}: ${res.status} ${json.__type ?? ''} ${json.message ?? ''}`);
    return json;
  };
}

export async function measureSandbox(options) {
  // Each address may get `codesPerWindow` codes per window: give every user room for the run.
  const limited = { region: 'us-east-1', email: { from: 'noreply@example.com' }, rateLimit: { codesPerWindow: 1000 } };
  try {
    return { ...(await measureWith(limited, options)), rateLimit: true };
  } catch (err) {
    // The handlers keep their rate limits in a DynamoDB table; a sandbox that cannot emulate it
    // fails every sign-in. Measure the flow without rate limiting and say why.
    const unlimited = { ...limited, rateLimit: { enabled: false } };
    const why = err.message.split('\n')[0];
    return { ...(await measureWith(unlimited, options)), rateLimit: false, rateLimitFailure: why };
  }
}

async function measureWith(config, { users, concurrency, warmupMs, durationMs }) {
  const dir = await mkdtemp(join(tmpdir(), 'otp-bench-sandbox-'));
  await writeFile(join(dir, 'otp-setup.config.json'), JSON.stringify(config));
  const env = { ...process.env, NO_COLOR: '1' };
  delete env.AWS_ENDPOINT_URL;
  const sandbox = startSandbox(dir, env);
  try {
    const ready = await sandbox.ready;
    const call = cognito(ready.url);
    const clientId = ready.clientId;
    const emails = Array.from({ length: users }, (_, i) => `bench-user-${i}@example.com`);
    for (const email of emails) {
      await call('SignUp', { ClientId: clientId, Username: email, Password: `Bench-${email}-1!`, UserAttributes: [{ Name: 'email', Value: email }] });
    }
    const signIn = async (email) => {
      const codePromise = sandbox.nextCode(email);
      const challenge = await call('InitiateAuth', { ClientId: clientId, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: email } });
      const code = await codePromise;
      const done = await call('RespondToAuthChallenge', { ClientId: clientId, ChallengeName: 'CUSTOM_CHALLENGE', Session: challenge.Session, ChallengeResponses: { USERNAME: email, ANSWER: code } });
      if (!done.AuthenticationResult?.IdToken) throw new Error(`no tokens for ${email}: ${JSON.stringify(done)}`);
    };

    const start = performance.now();
    const measureFrom = start + warmupMs;
    const end = measureFrom + durationMs;
    const latencies = [];
    let next = 0;
    // Each worker owns the users i ≡ w (mod concurrency): one sign-in per address at a time.
    const worker = async (w) => {
      const mine = emails.filter((_, i) => i % concurrency === w);
      while (performance.now() < end) {
        const email = mine[next++ % mine.length];
        const t0 = performance.now();
        await signIn(email);
        const t1 = performance.now();
        if (t0 >= measureFrom && t1 <= end) latencies.push(t1 - t0);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
    return {
      signInsPerSecond: latencies.length / (durationMs / 1000),
      p50: quantile(latencies, 0.5),
      p99: quantile(latencies, 0.99),
      count: latencies.length,
      concurrency,
      pinned: sandbox.pinned,
    };
  } catch (err) {
    throw new Error(`${err.message}\nsandbox stderr: ${sandbox.stderr()}`);
  } finally {
    await sandbox.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
