// Start-up of `otp-setup --help` / `--version`, next to a bare `node -e 0` on the same machine.
import { mustSucceed, run, BIN } from './processes.mjs';

export async function measureStartup({ runs }) {
  const samples = { help: [], version: [], node: [] };
  // Interleaved so drift hits all three alike; one unmeasured warm-up each fills the page cache.
  for (let i = -1; i < runs; i++) {
    const help = mustSucceed(await run(process.execPath, [BIN, '--help']), 'otp-setup --help');
    const version = mustSucceed(await run(process.execPath, [BIN, '--version']), 'otp-setup --version');
    const node = mustSucceed(await run(process.execPath, ['-e', '0']), 'node -e 0');
    if (i < 0) continue;
    samples.help.push(help.ms);
    samples.version.push(version.ms);
    samples.node.push(node.ms);
  }
  return samples;
}
