import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { runInProcess } from '../support/in-process.js';

// bin/otp-setup.js prints `--help` to a pipe from the text the build saved, without loading the
// CLI: the process is the subject, so the built binary is spawned. It must be commander's output.
describe('otp-setup --help fast path', () => {
  it('prints exactly what the CLI itself prints', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'otp-setup-help-'));
    const built = await runInProcess(['--help'], { cwd });
    expect(built.code).toBe(0);
    for (const flag of ['--help', '-h']) {
      const fast = await runCli([flag], { cwd, env: { FORCE_COLOR: undefined, CLICOLOR_FORCE: undefined } });
      expect(fast.code, fast.stderr).toBe(0);
      expect(fast.stdout).toBe(built.stdout);
      expect(fast.stderr).toBe('');
    }
  });
});
