#!/usr/bin/env node
import { main } from '../dist/src/cli/cli.js';

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

const code = await main(process.argv.slice(2), {
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
