import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { useStackFixture } from '../support/stack-fixture.js';
import { STACK_FRAME } from '../support/stack-trace.js';

// The built binary itself (bin/otp-setup.js over dist/): what in-process runs cannot show. Its
// exit codes, the --version fast path, and one real up/status/teardown against moto. Signals,
// SIGKILL and a closed stdout are covered by the crash, aws-fidelity and bad-input tests.

const f = useStackFixture();

describe('bin/otp-setup.js', () => {
  it('--version prints the package version alone, exit 0', async () => {
    const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) {
      const result = await runCli([flag], { cwd: process.cwd() });
      expect(result).toMatchObject({ code: 0, signal: null, stdout: `${version}\n`, stderr: '' });
    }
  });

  it('exits 2 on a usage error and on a bad config, 0 on --help, and never prints a stack', async () => {
    const dir = await f.project({ region: 'us-east-1', email: { from: 'not-an-address' } });
    const usage = await runCli(['frobnicate'], { cwd: dir });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("unknown command 'frobnicate'");
    const config = await f.spawnCli(dir, ['plan']);
    expect(config.code).toBe(2);
    expect(config.stderr).toContain('[CONFIG_INVALID]');
    const help = await runCli(['--help'], { cwd: dir });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: otp-setup');
    for (const r of [usage, config, help]) expect(r.stderr).not.toMatch(STACK_FRAME);
  });

  it('up, a second up that writes nothing, status and teardown, as a user runs them', async () => {
    const dir = await f.project();
    const up = await f.spawnCli(dir, ['up', '--json']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.json).toMatchObject({ ok: true, counts: { created: 13, skipped: 3 } });
    f.proxy.reset();
    const again = await f.spawnCli(dir, ['up', '--json']);
    expect(again.json).toMatchObject({ ok: true, counts: { unchanged: 13, skipped: 3 } });
    expect(f.proxy.writes()).toEqual([]);
    const status = await f.spawnCli(dir, ['status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/User pool\s+ok/);
    const teardown = await f.spawnCli(dir, ['teardown', '--yes']);
    expect(teardown.code, teardown.stderr).toBe(0);
    expect(f.proxy.writes().map((c) => c.action)).toContain('DeleteUserPool');
  });
});
