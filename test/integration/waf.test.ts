import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DescribeUserPoolCommand } from '@aws-sdk/client-cognito-identity-provider';
import {
  CreateWebACLCommand,
  GetWebACLCommand,
  GetWebACLForResourceCommand,
  ListTagsForResourceCommand,
  ListWebACLsCommand,
  WAFV2Client,
} from '@aws-sdk/client-wafv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess } from '../support/in-process.js';
import { readState } from '../support/inventory.js';
import { motoEnv } from '../support/moto.js';
import { BASE_CONFIG, useStackFixture } from '../support/stack-fixture.js';

const f = useStackFixture();
let waf: WAFV2Client;
beforeAll(() => {
  waf = new WAFV2Client({ region: 'us-east-1', endpoint: f.moto.url, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
});
afterAll(() => waf.destroy());

const ON = { ...BASE_CONFIG, stackId: 'waf-stack-a', protection: { waf: { enabled: true } } };

function run(dir: string, args: string[]) {
  return runInProcess(args, { cwd: dir, env: motoEnv(f.proxy.url) });
}

async function ok(dir: string, args: string[]) {
  const result = await run(dir, args);
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
  return result;
}

async function acls() {
  return (await waf.send(new ListWebACLsCommand({ Scope: 'REGIONAL' }))).WebACLs ?? [];
}

async function poolArn(dir: string): Promise<string> {
  const id = (await readState(dir))!.resources.userPoolId as string;
  return (await f.sdk.cognito.send(new DescribeUserPoolCommand({ UserPoolId: id }))).UserPool!.Arn!;
}

function limits(rules: Array<{ Name?: string; Statement?: { RateBasedStatement?: { Limit?: number; EvaluationWindowSec?: number } } }>) {
  return Object.fromEntries(
    rules.map((r) => [r.Name, [r.Statement?.RateBasedStatement?.Limit, r.Statement?.RateBasedStatement?.EvaluationWindowSec]]),
  );
}

describe('protection.waf: a web ACL with per-IP rate-based rules on the user pool', () => {
  it('up creates and associates it, a re-run is a no-op, a new limit updates it, teardown removes it', { timeout: 120_000 }, async () => {
    const dir = await f.project(ON);
    const first = await ok(dir, ['up', '--json']);
    expect(first.stdout).toContain('"waf"');
    const [acl] = await acls();
    expect(acl?.Name).toBe('email-otp-user-pool');
    const pool = await poolArn(dir);
    const associated = await waf.send(new GetWebACLForResourceCommand({ ResourceArn: pool }));
    expect(associated.WebACL?.ARN).toBe(acl!.ARN);
    expect(limits(associated.WebACL!.Rules!)).toEqual({ 'sign-ins-per-ip': [50, 300], 'requests-per-ip': [300, 300] });
    const tags = (await waf.send(new ListTagsForResourceCommand({ ResourceARN: acl!.ARN! }))).TagInfoForResource?.TagList ?? [];
    expect(tags).toEqual(expect.arrayContaining([{ Key: 'otp-setup:stack-id', Value: 'waf-stack-a' }]));
    // The realism layer refused the first associations while the new web ACL "propagated"; up waited.
    expect(f.proxy.realism?.fired['waf-association-propagation']).toBeGreaterThan(0);

    f.proxy.reset();
    await ok(dir, ['up']);
    expect(f.proxy.writes().filter((c) => c.service === 'wafv2')).toEqual([]);

    const plan = await ok(dir, ['plan']);
    expect(plan.stdout + plan.stderr).toMatch(/WAF web ACL: unchanged \(50 sign-ins and 300 requests per IP per 300 s\)/);

    await writeFile(
      join(dir, 'otp-setup.config.json'),
      JSON.stringify({ ...ON, protection: { waf: { enabled: true, requestsPerIp: 1000, signInsPerIp: 20, windowSeconds: 600 } } }),
    );
    const planned = await ok(dir, ['plan']);
    expect(planned.stdout + planned.stderr).toMatch(/WAF web ACL: update Rules/);
    f.proxy.reset();
    await ok(dir, ['up']);
    expect(f.proxy.writes().map((c) => c.action)).toContain('UpdateWebACL');
    const updated = await waf.send(new GetWebACLCommand({ Name: acl!.Name!, Scope: 'REGIONAL', Id: acl!.Id! }));
    expect(limits(updated.WebACL!.Rules!)).toEqual({ 'sign-ins-per-ip': [20, 600], 'requests-per-ip': [1000, 600] });

    f.proxy.reset();
    await ok(dir, ['teardown', '--yes']);
    const order = f.proxy.writes().map((c) => c.action);
    // Disassociated before deleted, as AWS requires (the realism layer refuses the other order).
    expect(order.indexOf('DisassociateWebACL')).toBeGreaterThanOrEqual(0);
    expect(order.indexOf('DisassociateWebACL')).toBeLessThan(order.indexOf('DeleteWebACL'));
    expect(await acls()).toEqual([]);
  });

  it('switching it off removes the web ACL on the next up', { timeout: 120_000 }, async () => {
    const dir = await f.project(ON);
    await ok(dir, ['up']);
    expect(await acls()).toHaveLength(1);
    await writeFile(join(dir, 'otp-setup.config.json'), JSON.stringify({ ...ON, protection: { waf: { enabled: false } } }));
    await ok(dir, ['up']);
    expect(await acls()).toEqual([]);
    expect((await waf.send(new GetWebACLForResourceCommand({ ResourceArn: await poolArn(dir) }))).WebACL ?? undefined).toBeUndefined();
  });

  it("another stack's teardown keeps a web ACL of the same name that is not its own", { timeout: 120_000 }, async () => {
    const a = await f.project(ON);
    await ok(a, ['up']);
    const b = await f.project({ ...ON, stackId: 'waf-stack-b' });
    f.proxy.reset();
    const torn = await ok(b, ['teardown', '--yes', '--json']);
    expect(JSON.stringify(torn.json)).toMatch(/AWS WAF web ACL named \\"email-otp-user-pool\\" belongs to another otp-setup stack/);
    expect(await acls()).toHaveLength(1);
    expect(f.proxy.writes().filter((c) => c.service === 'wafv2')).toEqual([]);
  });

  it('up refuses a web ACL of our name that it did not make, and one already on the pool', { timeout: 120_000 }, async () => {
    const dir = await f.project(ON);
    await waf.send(
      new CreateWebACLCommand({
        Name: 'email-otp-user-pool',
        Scope: 'REGIONAL',
        DefaultAction: { Allow: {} },
        VisibilityConfig: { SampledRequestsEnabled: false, CloudWatchMetricsEnabled: false, MetricName: 'x' },
        Rules: [],
      }),
    );
    const refused = await run(dir, ['up', '--json']);
    expect(refused.code).toBe(1);
    expect(refused.json?.error).toMatchObject({ code: 'FOREIGN_RESOURCE' });
    expect(f.proxy.writes().filter((c) => c.service === 'wafv2')).toEqual([]);
  });
});
