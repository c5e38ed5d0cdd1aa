#!/usr/bin/env node
const argv = process.argv.slice(2);
// `otp-setup --version` alone needs nothing but the version: print it before loading the CLI
// (commander builds every command's definition first), as commander itself would print it.
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  const { VERSION } = await import('../dist/src/cli/version.js');
  process.stdout.write(`${VERSION}\n`);
} else {
  await run();
}

async function run() {
  // dist/src/cli/cli.js: src/cli and commander bundled into one module (scripts/bundle-cli.mjs).
  const { main } = await import('../dist/src/cli/cli.js');

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
    for (const listener of listeners) listener();
  });

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
