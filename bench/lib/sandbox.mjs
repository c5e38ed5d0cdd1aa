// Sign-ins per second through the sandbox's full custom-auth flow, as a user goes through it:
// InitiateAuth (Define, Create, the email to the sandbox's SES catcher) → the code from the
// sandbox's mailbox (GET /_sandbox/mailbox/latest) → RespondToAuthChallenge (Verify, Define,
// tokens). The sandbox runs as `otp-setup sandbox` pinned to one core; the load generator (this
// process) speaks the Cognito JSON protocol over keep-alive fetch. One sandbox per build measured,
// each concurrency level in turn over the same users; errors are counted, not retried.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { quantile } from './stats.mjs';

function startSandbox(bin, dir, env) {
  const pin = existsSync('/usr/bin/taskset') && cpus().length > 1;
  const args = [bin, 'sandbox', '--port', '0', '--json', '--no-env'];
  // taskset execs node: the pid is the sandbox's own, for its CPU time and memory.
  const child = pin
    ? spawn('taskset', ['-c', '0', process.execPath, ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
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
        if (line.startsWith('{') && JSON.parse(line).event === 'ready') resolve(JSON.parse(line));
      }
      // Mail events are not read here; keep the buffer from growing.
      if (buffer.length > 1 << 20) buffer = '';
    });
  });
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.removeAllListeners('exit');
      child.once('exit', resolve);
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    });
  return { ready, stop, pinned: pin, pid: child.pid, stderr: () => stderr };
}

/** CPU seconds (user + system) and resident memory of a process, from /proc. */
function usage(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    const ticks = Number(stat[11]) + Number(stat[12]);
    const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    return { cpuSeconds: ticks / 100, rssKb: rss };
  } catch {
    return { cpuSeconds: Number.NaN, rssKb: Number.NaN };
  }
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

/**
 * Measures one build (`bin`) at each concurrency level. With `totalSignIns`, instead runs that
 * many sign-ins at the highest level and samples memory along the way (the bounded-memory check).
 */
// A load test signs the same addresses in thousands of times: the per-address and pool-wide daily
// caps that protect a real pool would refuse it, so they are lifted (older builds know only the window cap).
const CURRENT_LIMITS = { codesPerWindow: 1000, codesPerDay: 10000, dailyEmailBudget: 0 };
export const BASELINE_LIMITS = { codesPerWindow: 1000 };

export async function measureSandbox({
  bin,
  users,
  levels,
  warmupMs,
  durationMs,
  totalSignIns,
  log = () => {},
  rateLimit = CURRENT_LIMITS,
}) {
  const config = { region: 'us-east-1', email: { from: 'noreply@example.com' }, rateLimit };
  const dir = await mkdtemp(join(tmpdir(), 'otp-bench-sandbox-'));
  await writeFile(join(dir, 'otp-setup.config.json'), JSON.stringify(config));
  const env = { ...process.env, NO_COLOR: '1' };
  delete env.AWS_ENDPOINT_URL;
  const sandbox = startSandbox(bin, dir, env);
  try {
    const ready = await sandbox.ready;
    const call = cognito(ready.url);
    const clientId = ready.clientId;
    const emails = Array.from({ length: users }, (_, i) => `bench-user-${i}@example.com`);
    // Sign-up, 8 at a time (it is not what is measured).
    for (let i = 0; i < emails.length; i += 8) {
      await Promise.all(
        emails.slice(i, i + 8).map((email) =>
          call('SignUp', {
            ClientId: clientId,
            Username: email,
            Password: `Bench-${i}-pass-1!`,
            UserAttributes: [{ Name: 'email', Value: email }],
          }),
        ),
      );
    }
    const signIn = async (email) => {
      const challenge = await call('InitiateAuth', { ClientId: clientId, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: email } });
      const mail = await fetch(`${ready.url}/_sandbox/mailbox/latest?email=${encodeURIComponent(email)}`);
      const { code } = await mail.json();
      if (!code) throw new Error(`no code for ${email}`);
      const done = await call('RespondToAuthChallenge', {
        ClientId: clientId,
        ChallengeName: 'CUSTOM_CHALLENGE',
        Session: challenge.Session,
        ChallengeResponses: { USERNAME: email, ANSWER: code },
      });
      if (!done.AuthenticationResult?.IdToken) throw new Error(`no tokens for ${email}: ${JSON.stringify(done)}`);
    };

    const results = [];
    for (const concurrency of totalSignIns ? [Math.max(...levels)] : levels) {
      const latencies = [];
      let errors = 0;
      let firstError;
      let done = 0;
      const rss = [];
      const start = performance.now();
      const measureFrom = start + (totalSignIns ? 0 : warmupMs);
      const end = totalSignIns ? Infinity : measureFrom + durationMs;
      const cpu0 = usage(sandbox.pid);
      let cpuAtStart = cpu0;
      let started = false;
      // Each worker owns the users i ≡ w (mod concurrency): one sign-in per address at a time.
      const worker = async (w) => {
        const mine = emails.filter((_, i) => i % concurrency === w);
        let next = 0;
        while (performance.now() < end && (!totalSignIns || done < totalSignIns)) {
          const email = mine[next++ % mine.length];
          const t0 = performance.now();
          if (!started && t0 >= measureFrom) {
            started = true;
            cpuAtStart = usage(sandbox.pid);
          }
          try {
            await signIn(email);
            const t1 = performance.now();
            if (t0 >= measureFrom && t1 <= end) latencies.push(t1 - t0);
          } catch (err) {
            errors += 1;
            firstError ??= err.message;
          }
          done += 1;
          if (totalSignIns && done % 10_000 === 0) {
            const u = usage(sandbox.pid);
            rss.push(u.rssKb);
            log(`  ${done} sign-ins, sandbox RSS ${(u.rssKb / 1024).toFixed(0)} MB`);
          }
        }
      };
      await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
      const elapsed = totalSignIns ? performance.now() - start : durationMs;
      const cpu1 = usage(sandbox.pid);
      results.push({
        concurrency,
        signInsPerSecond: latencies.length / (elapsed / 1000),
        p50: quantile(latencies, 0.5),
        p95: quantile(latencies, 0.95),
        p99: quantile(latencies, 0.99),
        count: latencies.length,
        errors,
        firstError,
        cpuPercent: ((cpu1.cpuSeconds - cpuAtStart.cpuSeconds) / (elapsed / 1000)) * 100,
        rssKb: cpu1.rssKb,
        rssSamplesKb: rss,
      });
      log(
        `  ${concurrency} users: ${(latencies.length / (elapsed / 1000)).toFixed(0)}/s, p95 ${quantile(latencies, 0.95).toFixed(1)} ms, ${errors} errors`,
      );
    }
    return { results, pinned: sandbox.pinned };
  } catch (err) {
    throw new Error(`${err.message}\nsandbox stderr: ${sandbox.stderr()}`, { cause: err });
  } finally {
    await sandbox.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
