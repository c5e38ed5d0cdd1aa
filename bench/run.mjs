// npm run bench: builds, starts its own moto server, measures otp-setup side by side with the
// seed guide's commands, prints a markdown table and writes it to bench/results.md.
// BENCH_ROUNDS (default 5) sets the guide/otp-setup rounds; BENCH_SKIP=startup,deploy,handlers,sandbox,latency
// skips parts. BENCH_SANDBOX_BASELINE=<git ref> also measures the sandbox as of that ref, side by
// side; BENCH_SANDBOX_SIGNINS=100000 adds a long run that samples the sandbox's memory.
// Latency mode (after the moto rounds): BENCH_LATENCY_MS per call (default 100), then the same
// plus BENCH_IAM_PROPAGATION_MS of IAM propagation (default 5000), BENCH_LATENCY_ROUNDS each (default 3).
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { startCallCounter } from './lib/call-counter.mjs';
import { measureDeploy } from './lib/deploy.mjs';
import { measureHandlers } from './lib/handlers.mjs';
import { machineInfo } from './lib/machine.mjs';
import { startMoto } from './lib/moto.mjs';
import { BIN, ROOT } from './lib/processes.mjs';
import { buildBaseline } from './lib/baseline.mjs';
import { BASELINE_LIMITS, measureSandbox } from './lib/sandbox.mjs';
import { median } from './lib/stats.mjs';
import { measureStartup } from './lib/startup.mjs';
import { commandTable, kb, markdownTable, mb, ms, times, us } from './lib/table.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 100);
const IAM_PROPAGATION_MS = Number(process.env.BENCH_IAM_PROPAGATION_MS ?? 5000);
const LATENCY_ROUNDS = Number(process.env.BENCH_LATENCY_ROUNDS ?? 3);
const SKIP = new Set((process.env.BENCH_SKIP ?? '').split(',').filter(Boolean));
const log = (line) => process.stderr.write(`${line}\n`);

// Write calls that bring an AWS object into being: the denominator of "calls per resource".
const CREATES = /^(Create|AddPermission$|AttachRolePolicy$|PutRolePolicy$|Verify(Email|Domain)Identity$|PutMetricAlarm$)/;

function deployRows({ guide, ours }) {
  const med = (runs, pick) => median(runs.map(pick));
  // Each round ran guide and otp-setup back to back: the median of the per-round ratios is the
  // figure that cancels drift, more than the ratio of the two medians.
  const paired = (pick) => median(guide.map((g, i) => pick(g) / pick(ours[i])));
  const upRatio = paired((r) => r.up.ms);
  const downRatio = paired((r) => r.teardown.ms);
  const gUp = med(guide, (r) => r.up.ms);
  const oUp = med(ours, (r) => r.up.ms);
  const gDown = med(guide, (r) => r.teardown.ms);
  const oDown = med(ours, (r) => r.teardown.ms);
  const noop = med(ours, (r) => r.noop.ms);
  const last = ours.at(-1);
  const lastGuide = guide.at(-1);
  const objects = last.up.callList.filter((c) => c.write && CREATES.test(c.action)).length;
  const noopCalls = last.noop.calls;
  const children = [...new Set(ours.flatMap((r) => [...r.up.childProcesses, ...r.noop.childProcesses, ...r.teardown.childProcesses]))];
  const maxChildren = Math.max(...ours.map((r) => r.up.childProcesses.length));
  return [
    {
      metric: 'fresh `up`, wall (median)',
      ours: ms(oUp),
      guide: ms(gUp),
      ratio: `${times(upRatio)} faster`,
      target: '≥ 20× faster',
      ok: upRatio >= 20,
    },
    {
      metric: 'fresh `up`, AWS calls / HTTP connections / most in flight',
      ours: `${last.up.calls} / ${last.up.sockets} / ${last.up.maxInFlight}`,
      guide: `${lastGuide.up.calls} / ${lastGuide.up.sockets} / ${lastGuide.up.maxInFlight}`,
      target: 'one pool, parallel',
      ok: last.up.maxInFlight > 1 && last.up.sockets <= 32,
    },
    {
      metric: 'fresh `up`, AWS objects created',
      ours: objects,
      guide: lastGuide.up.callList.filter((c) => c.write && CREATES.test(c.action)).length,
      target: 'info',
    },
    {
      metric: '`up` child processes started',
      ours: `${maxChildren}${children.length ? ` (${children.join(', ')})` : ''}`,
      guide: `${lastGuide.up.calls + 3} (aws ×${lastGuide.up.calls}, zip ×3)`,
      target: '0',
      ok: maxChildren === 0,
    },
    { metric: 'fresh `up`, peak memory (maxRSS)', ours: mb(med(ours, (r) => r.up.maxRssKb)), target: 'report' },
    { metric: 'no-op `up`, wall (median)', ours: ms(noop), target: '≤ 400 ms', ok: noop <= 400 },
    {
      metric: 'no-op `up`, calls (writes) / most in flight',
      ours: `${noopCalls} (${last.noop.writes}) / ${last.noop.maxInFlight}`,
      target: 'reads only, concurrent',
      ok: last.noop.writes === 0 && last.noop.maxInFlight > 1,
    },
    {
      metric: 'no-op `up`, calls per AWS object',
      ours: `${(noopCalls / objects).toFixed(2)} (${noopCalls} / ${objects}; ${(noopCalls / last.noop.resources).toFixed(2)} per step)`,
      target: '≤ 1',
      ok: noopCalls <= objects,
    },
    { metric: '`teardown`, wall (median)', ours: ms(oDown), guide: ms(gDown), ratio: `${times(downRatio)} faster`, target: 'report' },
    {
      metric: '`teardown`, AWS calls / most in flight',
      ours: `${last.teardown.calls} / ${last.teardown.maxInFlight}`,
      guide: `${lastGuide.teardown.calls} / ${lastGuide.teardown.maxInFlight}`,
      target: 'report',
    },
  ];
}

function startupRows(s) {
  const node = median(s.node);
  return [
    {
      metric: '`otp-setup --help` start-up (median)',
      ours: `${ms(median(s.help))} (+${ms(median(s.help) - node)} over bare node)`,
      guide: `\`node -e 0\`: ${ms(node)}`,
      ratio: times(median(s.help) / node),
      target: '≤ 1.3× bare node',
      ok: median(s.help) / node <= 1.3,
    },
    {
      metric: '`otp-setup --version` start-up (median)',
      ours: `${ms(median(s.version))} (+${ms(median(s.version) - node)} over bare node)`,
      guide: `\`node -e 0\`: ${ms(node)}`,
      ratio: times(median(s.version) / node),
      target: '≤ 1.3× bare node',
      ok: median(s.version) / node <= 1.3,
    },
  ];
}

const COMMANDS = [
  ['up', 'fresh `up`'],
  ['noop', 'no-op `up`'],
  ['plan', '`plan`'],
  ['status', '`status`'],
  ['teardown', '`teardown`'],
];

/**
 * One row per command: wall time, critical path (sequential AWS round trips), calls, next to the
 * guide's script where it has one. targets[key] = { ms?, ratio?, path? } marks what is checked.
 */
function commandRows({ guide, ours }, targets) {
  const med = (runs, pick) => median(runs.map(pick));
  return COMMANDS.map(([key, label]) => {
    const t = targets[key] ?? {};
    const wall = med(ours, (r) => r[key].ms);
    const path = Math.max(...ours.map((r) => r[key].criticalPath));
    // The chain shown is that of the deepest round, the one the figure reports.
    const last = ours.find((r) => r[key].criticalPath === path)[key];
    const hasGuide = key === 'up' || key === 'teardown';
    const ratio = hasGuide ? median(guide.map((g, i) => g[key].ms / ours[i][key].ms)) : undefined;
    const checks = [];
    const oks = [];
    if (t.ms !== undefined) (checks.push(`≤ ${t.ms} ms`), oks.push(wall <= t.ms));
    if (t.ratio !== undefined) (checks.push(`≥ ${t.ratio}× faster`), oks.push(ratio >= t.ratio));
    if (t.path !== undefined)
      (checks.push(`${t.exact ? '=' : '≤'} ${t.path} round trips`), oks.push(t.exact ? path === t.path : path <= t.path));
    return {
      command: label,
      ours: ms(wall),
      split: `${ms(med(ours, (r) => r[key].split?.beforeMs ?? NaN))} / ${ms(med(ours, (r) => r[key].split?.callsMs ?? NaN))} / ${ms(med(ours, (r) => r[key].split?.afterMs ?? NaN))}`,
      path: `${path}${path > 2 && t.showChain !== false ? ` (${last.criticalChain.join(' → ')})` : ''}`,
      calls: `${last.calls} / ${last.maxInFlight}${last.callList.some((c) => c.rejected) ? ` (${last.callList.filter((c) => c.rejected).length} refused: role not yet assumable)` : ''}`,
      guide: hasGuide ? `${ms(med(guide, (r) => r[key].ms))}, ${Math.max(...guide.map((r) => r[key].criticalPath))} deep` : undefined,
      ratio: ratio === undefined ? undefined : `${times(ratio)} faster`,
      target: checks.length ? checks.join('; ') : 'report',
      ok: oks.length ? oks.every(Boolean) : undefined,
    };
  });
}

function handlerRows(h) {
  const kinds = Object.keys(h);
  const list = (f) => kinds.map((k) => f(h[k])).join(' / ');
  const create = h['create-auth-challenge'];
  const worstCold = Math.max(...kinds.map((k) => h[k].loadMs + h[k].firstMs));
  return [
    {
      metric: `handler zip size (${kinds.map((k) => k.replace(/-auth-challenge$/, '')).join(' / ')})`,
      ours: list((x) => kb(x.zipBytes)),
      target: '≤ 20 KB each',
      ok: kinds.every((k) => h[k].zipBytes <= 20 * 1024),
    },
    { metric: 'handler module load, fresh process (same order)', ours: list((x) => ms(x.loadMs)), target: 'report' },
    {
      metric: 'Create per invocation excl. SES/DynamoDB: first / warm',
      ours: `${ms(create.firstMs)} / ${us(create.warmUs)}`,
      target: 'report',
    },
    {
      metric: 'worst cold start excl. runtime init (load + first invocation)',
      ours: ms(worstCold),
      ratio: `${((worstCold / 5000) * 100).toFixed(1)}% of 5 s`,
      target: '≪ 5 s (≤ 1 s)',
      ok: worstCold <= 1000,
    },
  ];
}

const SANDBOX_LEVELS = [1, 8, 32];

function sandboxRows(ours, baseline) {
  const rows = [];
  // CPU per sign-in is the figure the machine's other load does not distort: on a loaded machine
  // the pinned core is shared, and sign-ins per second only show the share the sandbox got.
  const cpuMs = (r) => (r.cpuPercent * 10) / r.signInsPerSecond;
  const fmt = (r) =>
    `${r.signInsPerSecond.toFixed(0)}/s · p50 ${ms(r.p50)} · p95 ${ms(r.p95)} · ${r.errors} errors · ${r.cpuPercent.toFixed(0)}% of the core, ${cpuMs(r).toFixed(1)} ms CPU per sign-in`;
  for (const r of ours.results) {
    const b = baseline?.results.find((x) => x.concurrency === r.concurrency);
    const target = r.concurrency === 8 ? '≥ 200/s, p95 < 100 ms, 0 errors' : 'report';
    const ok = r.concurrency === 8 ? r.signInsPerSecond >= 200 && r.p95 < 100 && r.errors === 0 : undefined;
    rows.push({
      metric: `sandbox sign-ins, 1 core, ${r.concurrency} concurrent user${r.concurrency === 1 ? '' : 's'}`,
      ours: fmt(r),
      guide: b ? `before: ${fmt(b)}` : '—',
      ratio: b ? `${times(r.signInsPerSecond / b.signInsPerSecond)} the sign-ins` : '—',
      target,
      ...(ok === undefined ? {} : { ok }),
    });
  }
  const at8 = ours.results.find((r) => r.concurrency === 8);
  if (at8) {
    const b8 = baseline?.results.find((r) => r.concurrency === 8);
    rows.push({
      metric: 'sandbox sign-ins per second one free core would give, 8 users (1000 ÷ CPU ms per sign-in)',
      ours: `${(1000 / cpuMs(at8)).toFixed(0)}/s`,
      guide: b8 ? `before: ${(1000 / cpuMs(b8)).toFixed(0)}/s` : '—',
      target: 'report',
    });
  }
  const peak = Math.max(...ours.results.map((r) => r.rssKb));
  rows.push({
    metric: 'sandbox memory after the runs (RSS)',
    ours: mb(peak),
    guide: baseline ? `before: ${mb(Math.max(...baseline.results.map((r) => r.rssKb)))}` : '—',
    target: 'report',
  });
  return rows;
}

function longRunRow(long) {
  const r = long.results[0];
  const samples = r.rssSamplesKb;
  const first = samples[0] ?? r.rssKb;
  const last = samples.at(-1) ?? r.rssKb;
  return {
    metric: `sandbox memory over ${r.count + r.errors} sign-ins (RSS first → last sample)`,
    ours: `${mb(first)} → ${mb(last)} (${r.errors} errors, ${r.signInsPerSecond.toFixed(0)}/s)`,
    target: 'bounded',
    ok: last <= first * 1.5 + 20 * 1024 && r.errors === 0,
  };
}

async function main() {
  const started = Date.now();
  const machine = await machineInfo();
  const rows = [];
  const notes = [];
  const sections = [];

  let startup;
  if (SKIP.has('startup')) rows.push({ metric: 'start-up', ours: 'not measured: BENCH_SKIP' });
  else {
    log('startup: --help / --version');
    startup = await measureStartup({ runs: 10 });
    rows.push(...startupRows(startup));
  }

  if (SKIP.has('deploy')) rows.push({ metric: 'deploy', ours: 'not measured: BENCH_SKIP' });
  else {
    log('moto: starting');
    const moto = await startMoto();
    const counter = await startCallCounter(moto.url);
    try {
      log(`deploy: ${ROUNDS} rounds, guide then otp-setup`);
      const onMoto = await measureDeploy({ moto, counter, rounds: ROUNDS, log });
      rows.push(...deployRows(onMoto));
      const med = (pick) => median(onMoto.ours.map(pick));
      notes.push(
        `What bounds the no-op \`up\` (${ms(med((r) => r.noop.ms))}): ${ms(med((r) => r.noop.split.beforeMs))} pass before its first AWS call (Node's own start, a bare \`node -e 0\`, is ${startup ? ms(median(startup.node)) : 'not measured'}; the rest loads the command, zod, the config, the state and the SDK clients), its reads (2 round trips: see the latency tables) take ${ms(med((r) => r.noop.split.callsMs))} on moto, printing and exit ${ms(med((r) => r.noop.split.afterMs))}. ` +
          `The fresh \`up\` ratio is bounded the same way: the guide's time is ${onMoto.guide.at(-1).up.calls} aws CLI processes (a Python start-up each, ${ms(median(onMoto.guide.map((r) => r.up.ms)) / onMoto.guide.at(-1).up.calls)} per command here), otp-setup's is one Node start-up plus moto's own time per call.`,
      );
      sections.push({
        title: `Per command on moto (no added latency), median of ${ROUNDS} rounds`,
        table: commandTable(commandRows(onMoto, { up: { ratio: 20 }, noop: { ms: 400 } })),
        note: 'Round trips on moto are an upper bound: moto answers one request at a time, so calls sent together come back one after another and can look chained. The latency tables below, where every call takes 100 ms, measure the true depth.',
      });
      if (SKIP.has('latency')) sections.push({ title: 'Latency mode', table: 'not measured: BENCH_SKIP' });
      else {
        log(`latency: ${LATENCY_MS} ms per call, ${LATENCY_ROUNDS} rounds`);
        const slow = await measureDeploy({ moto, counter, rounds: LATENCY_ROUNDS, log, latencyMs: LATENCY_MS });
        sections.push({
          title: `Latency mode: ${LATENCY_MS} ms added to every call (both sides), median of ${LATENCY_ROUNDS} rounds`,
          table: commandTable(
            commandRows(slow, {
              up: { ratio: 10, path: 8 },
              noop: { ms: 500, path: 2, exact: true },
              plan: { path: 2, exact: true },
              status: { path: 2, exact: true },
            }),
          ),
        });
        log(`latency: ${LATENCY_MS} ms per call + ${IAM_PROPAGATION_MS} ms IAM propagation, ${LATENCY_ROUNDS} rounds`);
        const iam = await measureDeploy({
          moto,
          counter,
          rounds: LATENCY_ROUNDS,
          log,
          latencyMs: LATENCY_MS,
          iamPropagationMs: IAM_PROPAGATION_MS,
        });
        const upWall = median(iam.ours.map((r) => r.up.ms));
        sections.push({
          title: `Latency mode with IAM propagation: ${LATENCY_MS} ms per call, and a new role not assumable by Lambda for ${IAM_PROPAGATION_MS} ms (the guide sleeps exactly that long after step 1), median of ${LATENCY_ROUNDS} rounds`,
          table: commandTable(commandRows(iam, {})),
          note: `Fresh \`up\` took ${ms(upWall)}: ${ms(upWall - IAM_PROPAGATION_MS)} beyond the ${ms(IAM_PROPAGATION_MS)} during which no client can use the new role (the guide: ${ms(median(iam.guide.map((r) => r.up.ms)))}, of which ${ms(IAM_PROPAGATION_MS)} asleep).`,
        });
      }
    } finally {
      await counter.close();
      await moto.stop();
    }
  }

  if (SKIP.has('handlers')) rows.push({ metric: 'handlers', ours: 'not measured: BENCH_SKIP' });
  else {
    log('handlers: size, load, invocation');
    rows.push(...handlerRows(await measureHandlers({ runs: 5, iterations: 2000 })));
  }

  if (SKIP.has('sandbox')) rows.push({ metric: 'sandbox', ours: 'not measured: BENCH_SKIP' });
  else {
    const options = { users: 64, levels: SANDBOX_LEVELS, warmupMs: 1000, durationMs: 5000, log };
    try {
      let baseline;
      const ref = process.env.BENCH_SANDBOX_BASELINE;
      if (ref) {
        const built = await buildBaseline(ref, log);
        try {
          log(`sandbox (${ref}): sign-in throughput at ${SANDBOX_LEVELS.join(', ')} users`);
          baseline = await measureSandbox({ ...options, bin: built.bin, rateLimit: BASELINE_LIMITS });
        } finally {
          await built.cleanup();
        }
        notes.push(`The "before" column is the sandbox as of \`${ref}\`, built and measured by the same run (BENCH_SANDBOX_BASELINE).`);
      }
      log(`sandbox: sign-in throughput at ${SANDBOX_LEVELS.join(', ')} users`);
      const ours = await measureSandbox({ ...options, bin: BIN });
      rows.push(...sandboxRows(ours, baseline));
      const total = Number(process.env.BENCH_SANDBOX_SIGNINS ?? 0);
      if (total > 0) {
        log(`sandbox: ${total} sign-ins at 32 users, sampling memory`);
        rows.push(longRunRow(await measureSandbox({ ...options, users: 256, totalSignIns: total, bin: BIN })));
      }
      notes.push(
        "A sandbox sign-in is InitiateAuth → GET /_sandbox/mailbox/latest → RespondToAuthChallenge with the code, tokens checked; the sandbox process is pinned to one core (taskset), its triggers run in worker threads on that core; CPU is the sandbox process's own.",
      );
    } catch (err) {
      rows.push({ metric: 'sandbox sign-ins per second', ours: `not measured: ${err.message.split('\n')[0]}` });
    }
  }

  const table = markdownTable(rows);
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  const md = [
    '# otp-setup benchmark',
    '',
    `\`npm run bench\` on ${machine.date}, ${seconds} s in all. Medians of ${ROUNDS} alternating runs (guide, otp-setup, …) against one moto server, reset before each run; the guide is bench/guide/up.sh and teardown.sh (steps 1–6 and Cleanup of the seed guide, bash + aws CLI). Time ratios are the median of the per-round guide ÷ otp-setup ratios. Both sides reach moto through the same counting proxy.`,
    '',
    table,
    '',
    ...notes.map((n) => `${n}\n`),
    ...sections.flatMap((sec) => [`## ${sec.title}`, '', sec.table, '', ...(sec.note ? [sec.note, ''] : [])]),
    'Time split: from spawn to the first AWS call (Node start-up, config, state, SDK loading) / from the first call to the last answer / from the last answer to exit (printing, exit), medians. Round trips: the critical path, the longest chain of AWS calls each started after the previous one ended (so it had to wait for it); calls that overlapped count once. The chain is spelled out where it is longer than 2 (✗: a call refused because the role was not yet assumable). Calls / in flight: total calls, most at once.',
    '',
    '## Machine',
    '',
    `- nproc: ${machine.nproc}; CPU: ${machine.cpuModel}; memory: ${machine.memoryGiB} GiB`,
    `- node ${machine.node}; ${machine.awsCli}; moto ${machine.moto}`,
    `- otp-setup commit ${machine.commit}`,
    `- command: \`${machine.command}\``,
    `- load average (1 / 5 / 15 min) at start: ${machine.loadAverage}; at end: ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' / ')}`,
    '',
  ].join('\n');
  process.stdout.write(
    `\n${table}\n\n${notes.join('\n')}\n${sections.map((sec) => `\n${sec.title}\n\n${sec.table}\n${sec.note ? `\n${sec.note}\n` : ''}`).join('')}`,
  );
  await writeFile(join(ROOT, 'bench', 'results.md'), md);
  log(`wrote bench/results.md (${seconds} s)`);
}

await main();
