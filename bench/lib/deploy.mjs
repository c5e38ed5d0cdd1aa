// Fresh `up`, no-op `up` and `teardown` against the guide's own bash + aws CLI scripts, on one
// moto server, alternating guide and otp-setup so drift on a shared machine cancels.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { criticalChain, criticalPath } from './critical-path.mjs';
import { awsEnv } from './moto.mjs';
import { mustSucceed, ROOT, run, runCliProbed } from './processes.mjs';

const GUIDE_UP = join(ROOT, 'bench', 'guide', 'up.sh');
const GUIDE_TEARDOWN = join(ROOT, 'bench', 'guide', 'teardown.sh');
const CONFIG = { region: 'us-east-1', email: { from: 'noreply@example.com' } };

async function tempDir(prefix) {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Calls seen by the counter during fn(), with how many connections they came over. */
async function counted(counter, fn) {
  counter.reset();
  const t0 = performance.now();
  const result = await fn();
  const t1 = performance.now();
  const callList = [...counter.calls];
  // Where the wall time went (the counter shares this process's clock): start-up, config, SDK
  // loading before the first AWS call; the calls; then printing and exit after the last answer.
  const firstStart = Math.min(...callList.map((c) => c.start));
  const lastEnd = Math.max(...callList.map((c) => c.end ?? c.start));
  const split = callList.length ? { beforeMs: firstStart - t0, callsMs: lastEnd - firstStart, afterMs: t1 - lastEnd } : undefined;
  return {
    ...result,
    calls: callList.length,
    writes: callList.filter((c) => c.write).length,
    sockets: counter.sockets,
    maxInFlight: counter.maxInFlight,
    criticalPath: criticalPath(callList),
    criticalChain: criticalChain(callList),
    split,
    callList,
  };
}

async function guideRound(moto, counter, env) {
  const dir = await tempDir('otp-bench-guide-');
  try {
    await moto.reset();
    const up = await counted(counter, async () => mustSucceed(await run('bash', [GUIDE_UP, dir], { env }), 'guide up.sh'));
    const teardown = await counted(counter, async () =>
      mustSucceed(await run('bash', [GUIDE_TEARDOWN, dir], { env }), 'guide teardown.sh'),
    );
    return { up, teardown };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function oursRound(moto, counter, env) {
  const dir = await tempDir('otp-bench-ours-');
  try {
    await writeFile(join(dir, 'otp-setup.config.json'), JSON.stringify(CONFIG, null, 2));
    await moto.reset();
    const cli = async (args, what) => mustSucceed(await runCliProbed(args, { cwd: dir, env }), what);
    const up = await counted(counter, () => cli(['up', '--json', '--yes'], 'otp-setup up'));
    const noop = await counted(counter, () => cli(['up', '--json', '--yes'], 'otp-setup up (no-op)'));
    const json = JSON.parse(noop.stdout);
    const unchanged = json.counts?.unchanged ?? 0;
    if (Object.keys(json.counts ?? {}).some((k) => k !== 'unchanged' && k !== 'skipped'))
      throw new Error(`second up was not a no-op: ${JSON.stringify(json.counts)}`);
    const plan = await counted(counter, () => cli(['plan', '--json'], 'otp-setup plan'));
    const status = await counted(counter, () => cli(['status', '--json'], 'otp-setup status'));
    const teardown = await counted(counter, () => cli(['teardown', '--yes', '--json'], 'otp-setup teardown'));
    return { up, noop: { ...noop, resources: unchanged, steps: json.steps }, plan, status, teardown };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * latencyMs / iamPropagationMs switch the counter to latency mode for these rounds (see
 * call-counter.mjs); the guide then sleeps through the propagation window, as its reader would.
 */
export async function measureDeploy({ moto, counter, rounds, log, latencyMs = 0, iamPropagationMs = 0 }) {
  counter.latencyMs = latencyMs;
  counter.iamPropagationMs = iamPropagationMs;
  const env = {
    ...process.env,
    ...awsEnv(counter.url),
    ...(iamPropagationMs > 0 ? { GUIDE_IAM_WAIT: String(iamPropagationMs / 1000) } : {}),
  };
  delete env.AWS_PROFILE;
  const guide = [];
  const ours = [];
  for (let i = 0; i < rounds; i++) {
    guide.push(await guideRound(moto, counter, env));
    ours.push(await oursRound(moto, counter, env));
    const g = guide.at(-1);
    const o = ours.at(-1);
    log(
      `  round ${i + 1}/${rounds}: up ${o.up.ms.toFixed(0)} ms (${o.up.criticalPath} deep) vs guide ${g.up.ms.toFixed(0)} ms; no-op ${o.noop.ms.toFixed(0)} ms (${o.noop.criticalPath}); plan ${o.plan.ms.toFixed(0)} ms (${o.plan.criticalPath}); status ${o.status.ms.toFixed(0)} ms (${o.status.criticalPath}); teardown ${o.teardown.ms.toFixed(0)} ms (${o.teardown.criticalPath}) vs guide ${g.teardown.ms.toFixed(0)} ms`,
    );
  }
  counter.latencyMs = 0;
  counter.iamPropagationMs = 0;
  return { guide, ours };
}
