import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAwsProxy, type AwsProxy } from '../support/aws-proxy.js';
import { freePort } from '../support/free-port.js';
import { runInProcess } from '../support/in-process.js';
import { motoEnv } from '../support/moto.js';
import { STACK_FRAME } from '../support/stack-trace.js';

// A config AWS would refuse half-way through (names over AWS's limits, a Lambda environment over
// 4 KB) fails when it is loaded: exit 2, the fields named, and not one AWS call. No emulator is
// needed: the recording proxy forwards to a port nobody listens on, so any call would show up in
// proxy.calls (and fail).

let proxy: AwsProxy;

beforeAll(async () => {
  proxy = await startAwsProxy(`http://127.0.0.1:${await freePort()}`);
});
afterAll(() => proxy.close());
beforeEach(() => proxy.reset());

async function project(config: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'otp-setup-limits-'));
  await writeFile(join(dir, 'otp-setup.config.json'), JSON.stringify(config, null, 2));
  return dir;
}

const cli = (dir: string, args: string[]) => runInProcess(args, { cwd: dir, env: motoEnv(proxy.url) });
const from = { region: 'us-east-1', email: { from: 'noreply@example.com' } };

describe('limits AWS enforces are checked before any AWS call', () => {
  it('up with a 31-character name and a 16-character --stage exits 2 naming both, and calls nothing', async () => {
    const dir = await project({ ...from, name: 'acme-passwordless-signin-prod-x' });
    const result = await cli(dir, ['up', '--stage', 'eu-central-blue1']);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('[CONFIG_INVALID]');
    expect(result.stderr).toContain(
      'name + stage (--stage): the Lambda function name "acme-passwordless-signin-prod-x-define-auth-challenge-eu-central-blue1" (and 3 more like it) is 70 characters; AWS allows at most 64. Shorten name or stage by 6 characters in total.',
    );
    expect(result.stderr).toContain(
      'the IAM role name "acme-passwordless-signin-prod-x-lambda-execution-role-eu-central-blue1" is 70 characters',
    );
    expect(result.stderr).not.toMatch(STACK_FRAME);
    expect(proxy.calls).toEqual([]);
  });

  it('the same in the config file, as JSON', async () => {
    const dir = await project({ ...from, name: 'acme-passwordless-signin-prod-x', stage: 'eu-central-blue1' });
    const result = await cli(dir, ['up', '--json']);
    expect(result.code).toBe(2);
    expect(result.json).toMatchObject({
      ok: false,
      error: {
        code: 'CONFIG_INVALID',
        details: {
          names: [
            { fields: ['name', 'stage'], resource: 'IAM role name', length: 70, max: 64 },
            { fields: ['name', 'stage'], resource: 'Lambda function name', length: 70, max: 64 },
          ],
        },
      },
    });
    expect(proxy.calls).toEqual([]);
  });

  it('a sign-up domain list over Lambda’s 4 KB environment exits 2 naming signUp.allowedDomains, and calls nothing', async () => {
    const allowedDomains = Array.from({ length: 250 }, (_, i) => `customer-${i}.example.com`);
    const dir = await project({ ...from, signUp: { allowedDomains } });
    const result = await cli(dir, ['plan']);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(
      /signUp\.allowedDomains: the pre-sign-up function's environment variables would take \d+ bytes; Lambda allows 4096 \(4 KB\)/,
    );
    expect(proxy.calls).toEqual([]);
  });
});
