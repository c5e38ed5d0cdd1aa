// Development aid: runs up, no-op up, plan, status and teardown once through the counting proxy
// (latency mode: BENCH_LATENCY_MS, default 100; BENCH_IAM_PROPAGATION_MS, default 0) and prints
// each command's critical path, call by call. `node bench/chains.mjs` after `npm run build`.
// BENCH_CONFIG: the config as JSON (default: the bench's, region and sender only), e.g. with every
// feature on: BENCH_CONFIG='{"region":"us-east-1","email":{"from":"noreply@example.com","dkim":true},
// "monitoring":{"alarms":{"enabled":true,"email":"ops@example.com"}},"protection":{"waf":{"enabled":true}}}'.
// COUNTS=1 also prints each command's calls by action.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCallCounter } from './lib/call-counter.mjs';
import { criticalChain, criticalPath } from './lib/critical-path.mjs';
import { awsEnv, startMoto } from './lib/moto.mjs';
import { mustSucceed, runCliProbed } from './lib/processes.mjs';

const moto = await startMoto();
const counter = await startCallCounter(moto.url);
counter.latencyMs = Number(process.env.BENCH_LATENCY_MS ?? 100);
counter.iamPropagationMs = Number(process.env.BENCH_IAM_PROPAGATION_MS ?? 0);
const dir = await mkdtemp(join(tmpdir(), 'otp-bench-chains-'));
try {
  const config = process.env.BENCH_CONFIG
    ? JSON.parse(process.env.BENCH_CONFIG)
    : { region: 'us-east-1', email: { from: 'noreply@example.com' } };
  await writeFile(join(dir, 'otp-setup.config.json'), JSON.stringify(config));
  const env = { ...process.env, ...awsEnv(counter.url) };
  delete env.AWS_PROFILE;
  for (const [label, args] of [
    ['up', ['up', '--yes', '--json']],
    ['no-op up', ['up', '--yes', '--json']],
    ['plan', ['plan', '--json']],
    ['status', ['status', '--json']],
    ['teardown', ['teardown', '--yes', '--json']],
  ]) {
    counter.reset();
    const r = mustSucceed(await runCliProbed(args, { cwd: dir, env }), label);
    const t0 = Math.min(...counter.calls.map((c) => c.start));
    console.log(
      `${label}: ${r.ms.toFixed(0)} ms, ${counter.calls.length} calls (${counter.calls.filter((c) => c.write).length} writes), critical path ${criticalPath(counter.calls)}: ${criticalChain(counter.calls).join(' → ')}`,
    );
    if (process.env.COUNTS) {
      const counts = new Map();
      for (const c of counter.calls) counts.set(c.action, (counts.get(c.action) ?? 0) + 1);
      console.log(`  ${[...counts].map(([a, n]) => (n > 1 ? `${a} ×${n}` : a)).join(', ')}`);
    }
    if (process.env.VERBOSE)
      for (const c of counter.calls)
        console.log(
          `  ${(c.start - t0).toFixed(0).padStart(6)} ${(c.end - t0).toFixed(0).padStart(6)} ${c.service} ${c.action}${c.rejected ? ' (refused)' : ''}`,
        );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
  await counter.close();
  await moto.stop();
}
