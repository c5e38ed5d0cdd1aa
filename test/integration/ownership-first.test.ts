import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runInProcess } from '../support/in-process.js';
import { motoEnv } from '../support/moto.js';
import { useStackFixture } from '../support/stack-fixture.js';

/**
 * Two project folders with the default names but their own stack ids (each ran init): the second
 * one's `up` finds the first one's resources under the same names. It must refuse before it
 * writes anything, its own SES identity included, so a refused run leaves nothing behind.
 */
const f = useStackFixture();

async function initFolder(from: string): Promise<{ dir: string; id: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'otp-setup-own-'));
  const init = await runInProcess(['init', '--from', from, '--yes'], { cwd: dir, env: motoEnv(f.proxy.url) });
  expect(init.code, init.stderr).toBe(0);
  const { stackId } = JSON.parse(await readFile(join(dir, 'otp-setup.config.json'), 'utf8')) as { stackId: string };
  return { dir, id: stackId };
}

describe('ownership is read before any write', () => {
  it("up refuses another stack's resources before creating anything of its own", async () => {
    const a = await initFolder('noreply@example.com');
    // B's own sender: an identity B would have to create.
    const b = await initFolder('signin@example.org');
    expect(b.id).not.toBe(a.id);
    const upA = await runInProcess(['up', '--json'], { cwd: a.dir, env: motoEnv(f.proxy.url) });
    expect(upA.code, upA.stderr).toBe(0);

    f.proxy.reset();
    const refused = await runInProcess(['up'], { cwd: b.dir, env: motoEnv(f.proxy.url) });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('[FOREIGN_RESOURCE]');
    expect(refused.stderr).toContain(`stack id "${a.id}"`);
    // Reads only: not even B's own sender identity was asked for verification.
    expect(f.proxy.calls.length).toBeGreaterThan(0);
    expect(f.proxy.writes().map((c) => `${c.service}:${c.action}`)).toEqual([]);
  });
});
