// What `npm test` runs after `npm run build`: vitest, and beside it the static checks (the
// package.json scripts typecheck-and-lint and format:check), one after another. The suite leaves part
// of the machine's cores idle (it waits on moto and on spawned processes) and each check uses one
// core, so the checks add little to the suite's time, where before them it waited for all three.
// - vitest's output streams to the terminal. Each check's output is kept and printed after the
//   suite, so that nothing writes into vitest's live summary; a table then says what passed.
// - The exit code is non-zero when vitest or any check failed, and the table names which.
// - Arguments go to vitest (`npm test -- test/unit`), as they did when vitest ran last.
// - Ctrl-C or a SIGTERM stops every child: each runs in a process group of its own (so that a
//   signal reaches what it started too, such as vitest's moto servers), and the signal is passed
//   on to every group. A second Ctrl-C kills what is still running.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const scripts = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts;
// typecheck-and-lint is `npm run typecheck` and `npm run lint` over one TypeScript program.
const CHECKS = ['typecheck-and-lint', 'format:check'];

// As `npm run` does, so that `node scripts/test.mjs` works alone too.
const env = { ...process.env, PATH: [join(root, 'node_modules', '.bin'), process.env.PATH].join(delimiter) };
// The checks' output goes to a buffer, not the terminal: keep their colours if the terminal has them.
const checkEnv = process.stdout.isTTY && env.NO_COLOR === undefined ? { ...env, FORCE_COLOR: '1' } : env;

/** @type {Set<import('node:child_process').ChildProcess>} */
const running = new Set();

/**
 * Runs one command in a process group of its own; resolves with how it ended (never rejects).
 * @returns {Promise<{ code: number | null, signal: NodeJS.Signals | null, output: string, seconds: number, error?: Error }>}
 */
function run(command, args, { capture, shell = false, environment }) {
  const started = performance.now();
  return new Promise((done) => {
    const child = spawn(command, args, {
      cwd: root,
      env: environment,
      shell,
      detached: true,
      stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    });
    running.add(child);
    const chunks = [];
    if (capture) {
      child.stdout.on('data', (chunk) => chunks.push(chunk));
      child.stderr.on('data', (chunk) => chunks.push(chunk));
    }
    let error;
    child.on('error', (err) => (error = err));
    child.on('close', (code, signal) => {
      running.delete(child);
      done({ code, signal, error, output: Buffer.concat(chunks).toString('utf8'), seconds: (performance.now() - started) / 1000 });
    });
  });
}

let stopping;
function stop(signal) {
  const now = Date.now();
  // npm passes the terminal's Ctrl-C on to this process, which also gets it from the terminal:
  // the same signal twice within a moment is one Ctrl-C.
  if (stopping && now - stopping.at < 1000) return;
  const force = stopping !== undefined;
  stopping ??= { signal, at: now };
  for (const child of running) {
    try {
      process.kill(-child.pid, force ? 'SIGKILL' : signal);
    } catch {
      // The group is gone already.
    }
  }
}
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGHUP', () => stop('SIGHUP'));
// `npm test` runs this under `sh -c`, and a SIGTERM to npm alone (a cancelled CI job) ends npm and
// that shell but not this process: once the parent is gone, stop as on a SIGTERM.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent && !stopping) stop('SIGTERM');
}, 1000).unref();
// Whatever ends this process (an uncaught error included) must not leave a check or the suite behind.
process.on('exit', () => {
  for (const child of running) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // The group is gone already.
    }
  }
});

const checkResults = new Map();
const checksDone = (async () => {
  for (const name of CHECKS) {
    if (stopping) break;
    checkResults.set(name, await run(scripts[name], [], { capture: true, shell: true, environment: checkEnv }));
  }
})();
const tests = await run('vitest', ['run', ...process.argv.slice(2)], { capture: false, environment: env });
if (!stopping && running.size > 0) process.stdout.write(`\nvitest is done; waiting for the checks to finish…\n`);
await checksDone;

const rows = [['vitest', tests]];
for (const name of CHECKS) {
  const result = checkResults.get(name);
  rows.push([name, result]);
  if (!result) continue;
  if (result.output.trim() === '') continue;
  const title = `── npm run ${name} (${scripts[name]}) `;
  process.stdout.write(`\n${title}${'─'.repeat(Math.max(0, 100 - title.length))}\n`);
  process.stdout.write(result.output.endsWith('\n') ? result.output : `${result.output}\n`);
}

const failed = [];
const width = Math.max(...rows.map(([name]) => name.length)) + 1;
process.stdout.write('\nnpm test:\n');
for (const [name, result] of rows) {
  if (!result) {
    process.stdout.write(`  -  ${name.padEnd(width)} not run\n`);
    continue;
  }
  const ok = result.code === 0;
  if (!ok) failed.push(name);
  const how = ok
    ? 'passed'
    : result.error
      ? `could not start: ${result.error.message}`
      : result.signal
        ? `stopped by ${result.signal}`
        : `failed (exit code ${result.code})`;
  process.stdout.write(`  ${ok ? '✔' : '✖'}  ${name.padEnd(width)} ${how}, ${result.seconds.toFixed(1)} s\n`);
}

if (stopping) {
  process.stdout.write(`\nInterrupted (${stopping.signal}).\n`);
  process.exitCode = stopping.signal === 'SIGTERM' ? 143 : stopping.signal === 'SIGHUP' ? 129 : 130;
} else if (failed.length > 0) {
  process.stdout.write(`\nnpm test failed: ${failed.join(', ')} (the output is above).\n`);
  process.exitCode = 1;
}
