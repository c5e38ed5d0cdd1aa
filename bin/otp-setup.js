#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const argv = process.argv.slice(2);
// `otp-setup --version` alone needs nothing but the version: print it before loading the CLI
// (commander builds every command's definition first), as commander itself would print it.
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  const { VERSION } = await import('../dist/src/cli/version.js');
  process.stdout.write(`${VERSION}\n`);
} else if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h') && prebuiltHelp()) {
  // `npm run build` saved commander's own output for this case (scripts/bundle-cli.mjs).
  process.stdout.on('error', () => undefined); // `otp-setup --help | head -1`: the rest is unwanted
  process.stdout.write(prebuiltHelp());
} else {
  await run();
}

/**
 * The top-level help as commander prints it to a pipe or file: 80 columns, no colour. A terminal
 * (its own width) or a forced colour gets commander's output, built at run time.
 */
function prebuiltHelp() {
  if (process.stdout.isTTY || process.env.FORCE_COLOR !== undefined || process.env.CLICOLOR_FORCE !== undefined) return undefined;
  try {
    return readFileSync(new URL('../dist/help.txt', import.meta.url), 'utf8') || undefined;
  } catch {
    return undefined;
  }
}

async function run() {
  // The SDK warns on every run under Node 20 about its future support window: advice for us, the
  // tool's maintainers, not for the person running the command. Other warnings still print.
  const emitWarning = process.emitWarning.bind(process);
  process.emitWarning = (warning, ...rest) => {
    if (String(warning?.message ?? warning).startsWith('NodeVersionSupportWarning')) return;
    emitWarning(warning, ...rest);
  };

  const listeners = new Set();
  let interrupts = 0;
  process.on('SIGINT', () => {
    interrupts += 1;
    // A second Ctrl-C quits at once; the state file was written after the last completed call.
    if (interrupts > 1 || listeners.size === 0) process.exit(130);
    for (const listener of listeners) listener('signal');
  });

  // The reader went away (`otp-setup status | head -2`, `logs --follow | grep -m1 x`): what is left
  // to print is unwanted, not an error. Further writes are dropped; a command still running (a
  // follow, the sandbox) winds down as on Ctrl-C, without the Ctrl-C message, and exits with its own code.
  let outputClosed = false;
  process.stdout.on('error', (err) => {
    if (err.code !== 'EPIPE') throw err;
    if (outputClosed) return;
    outputClosed = true;
    for (const listener of listeners) listener('output-closed');
  });
  process.stderr.on('error', (err) => {
    if (err.code !== 'EPIPE') throw err;
  });

  // Commands that call AWS compile the SDK from a cache (help needs no SDK and skips the import).
  if (!argv.some((a) => a === '--help' || a === '-h' || a === 'help') && argv.length > 0) {
    const { useCodeCache } = await import('./code-cache.js');
    useCodeCache(fileURLToPath(new URL('../dist/code-cache/', import.meta.url)));
  }

  // dist/src/cli/cli.js: src/cli and commander bundled into one module (scripts/bundle-cli.mjs).
  const { main } = await import('../dist/src/cli/cli.js');
  const code = await main(argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    now: () => new Date(),
    onInterrupt: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  });
  process.exitCode = interrupts > 0 && code !== 0 ? 130 : code;
}
