// Preloaded into the CLI under test (node --import): counts child processes it starts and
// writes its peak memory at exit to $BENCH_PROBE_OUT. Costs about a millisecond of start-up.
import { writeFileSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';

const out = process.env.BENCH_PROBE_OUT;
const cp = createRequire(import.meta.url)('node:child_process');
const started = [];
for (const name of ['spawn', 'spawnSync', 'execFile', 'execFileSync', 'exec', 'execSync', 'fork']) {
  const original = cp[name];
  cp[name] = function (...args) {
    started.push(`${name} ${String(args[0]).split('/').pop()}`);
    return original.apply(this, args);
  };
}
syncBuiltinESMExports();

process.on('exit', () => {
  if (!out) return;
  writeFileSync(out, JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS, childProcesses: started }));
});
