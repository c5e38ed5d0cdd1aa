// Fresh `up`, no-op `up` and `teardown` against the guide's own bash + aws CLI scripts, on one
// moto server, alternating guide and otp-setup so drift on a shared machine cancels.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  const result = await fn();
  return { ...result, calls: counter.calls.length, writes: counter.calls.filter((c) => c.write).length, sockets: counter.sockets, maxInFlight: counter.maxInFlight, callList: [...counter.calls] };
}

async function guideRound(moto, counter, env) {
  const dir = await tempDir('otp-bench-guide-');
  try {
    await moto.reset();
    const up = await counted(counter, async () => mustSucceed(await run('bash', [GUIDE_UP, dir], { env }), 'guide up.sh'));
    const teardown = await counted(counter, async () => mustSucceed(await run('bash', [GUIDE_TEARDOWN, dir], { env }), 'guide teardown.sh'));
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
    if (Object.keys(json.counts ?? {}).some((k) => k !== 'unchanged')) throw new Error(`second up was not a no-op: ${JSON.stringify(json.counts)}`);
    const teardown = await counted(counter, () => cli(['teardown', '--yes', '--json'], 'otp-setup teardown'));
    return { up, noop: { ...noop, resources: unchanged, steps: json.steps }, teardown };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function measureDeploy({ moto, counter, rounds, log }) {
  const env = { ...process.env, ...awsEnv(counter.url) };
  delete env.AWS_PROFILE;
  const guide = [];
  const ours = [];
  for (let i = 0; i < rounds; i++) {
    guide.push(await guideRound(moto, counter, env));
    ours.push(await oursRound(moto, counter, env));
    const g = guide.at(-1);
    const o = ours.at(-1);
    log(`  round ${i + 1}/${rounds}: up ${o.up.ms.toFixed(0)} ms vs guide ${g.up.ms.toFixed(0)} ms; no-op ${o.noop.ms.toFixed(0)} ms; teardown ${o.teardown.ms.toFixed(0)} ms vs guide ${g.teardown.ms.toFixed(0)} ms`);
  }
  return { guide, ours };
}
