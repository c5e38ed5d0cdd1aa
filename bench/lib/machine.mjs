// What the numbers were measured on: they mean little without it.
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { ROOT, run } from './processes.mjs';

async function firstLine(command, args) {
  try {
    const r = await run(command, args, { cwd: ROOT });
    return (r.stdout || r.stderr).trim().split('\n')[0];
  } catch {
    return 'unknown';
  }
}

export async function machineInfo() {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpuModel;
  } catch {
    // not Linux
  }
  const [commit, dirty, awsCli, moto] = await Promise.all([
    firstLine('git', ['rev-parse', '--short', 'HEAD']),
    firstLine('git', ['status', '--porcelain', '--untracked-files=no']),
    firstLine('aws', ['--version']),
    firstLine('python3', ['-c', 'import moto; print(moto.__version__)']),
  ]);
  return {
    date: new Date().toISOString(),
    nproc: cpus().length,
    cpuModel,
    memoryGiB: (totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    awsCli,
    moto,
    commit: `${commit}${dirty ? ' (with uncommitted changes)' : ''}`,
    command: [
      'npm run bench',
      ...Object.entries(process.env)
        .filter(([k]) => k.startsWith('BENCH_'))
        .map(([k, v]) => `${k}=${v}`),
    ]
      .reverse()
      .join(' '),
    loadAverage: loadavg()
      .map((x) => x.toFixed(1))
      .join(' / '),
  };
}
