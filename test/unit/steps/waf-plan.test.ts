import type { WebACL } from '@aws-sdk/client-wafv2';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load-config.js';
import { desiredRules, SIGN_IN_TARGETS, wafAclName, wafStep } from '../../../src/steps/waf-step.js';
import { planContext } from './context.js';

const absent = { status: 'absent' } as const;
const ON = { protection: { waf: { enabled: true } } };
const POOL = 'arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc';
const ARN = 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/email-otp-user-pool/0f3c7a10-9f1e-4c55-8c1a-2f6d1b9e4a01';

function present(config = ON, acl: Partial<WebACL> = {}, poolAcl: string | null = ARN) {
  const ctx = planContext(config);
  return {
    ctx,
    observed: {
      status: 'present' as const,
      actual: {
        acl: { Name: wafAclName(ctx.names), Id: 'id', ARN, DefaultAction: { Allow: {} }, Rules: desiredRules(ctx), ...acl } as WebACL,
        lockToken: 'token',
        poolAcl,
      },
    },
  };
}

describe('waf plan', () => {
  it('off by default: no web ACL, nothing planned', () => {
    expect(planContext().config.protection.waf.enabled).toBe(false);
    expect(wafStep.plan(planContext(), absent)).toMatchObject({ kind: 'noop', summary: 'off (protection.waf.enabled is false)' });
  });

  it('on and absent → create, with both per-IP limits in the summary', () => {
    const change = wafStep.plan(planContext(ON), absent);
    expect(change.kind).toBe('create');
    expect(change.summary).toBe('create web ACL email-otp-user-pool on the user pool (50 sign-ins and 300 requests per IP per 300 s)');
  });

  it('two rate-based rules keyed by IP: sign-in starts and sign-ups (by X-Amz-Target), and every request', () => {
    const rules = desiredRules(
      planContext({ protection: { waf: { enabled: true, requestsPerIp: 500, signInsPerIp: 40, windowSeconds: 60 } } }),
    );
    expect(
      rules.map((r) => [r.Name, r.Statement?.RateBasedStatement?.Limit, r.Statement?.RateBasedStatement?.EvaluationWindowSec]),
    ).toEqual([
      ['sign-ins-per-ip', 40, 60],
      ['requests-per-ip', 500, 60],
    ]);
    expect(rules.every((r) => r.Statement?.RateBasedStatement?.AggregateKeyType === 'IP' && 'Block' in (r.Action ?? {}))).toBe(true);
    const matched = rules[0]!.Statement!.RateBasedStatement!.ScopeDownStatement!.OrStatement!.Statements!.map((s) =>
      new TextDecoder().decode(s.ByteMatchStatement!.SearchString),
    );
    expect(matched).toEqual([...SIGN_IN_TARGETS]);
  });

  it('matching and associated → noop; a changed limit → update Rules', () => {
    const { ctx, observed } = present();
    expect(wafStep.plan(ctx, observed).kind).toBe('noop');
    const changed = planContext({ protection: { waf: { enabled: true, requestsPerIp: 1000 } } });
    const update = wafStep.plan(changed, observed);
    expect(update.kind).toBe('update');
    expect(update.diffs.map((d) => d.field)).toEqual(['Rules']);
  });

  it('not associated with the pool → update association', () => {
    const { ctx, observed } = present(ON, {}, null);
    const change = wafStep.plan(ctx, observed);
    expect(change.diffs).toEqual([{ field: 'association', actual: undefined, desired: POOL }]);
  });

  it('switched off while present → delete it', () => {
    const { observed } = present();
    const change = wafStep.plan(planContext(), observed);
    expect(change).toMatchObject({ kind: 'update', summary: 'delete web ACL email-otp-user-pool (protection.waf.enabled is false)' });
  });

  it('grants the wafv2 and Cognito association actions only while it is on; reading and deleting always (teardown)', () => {
    const ctx = planContext();
    const scope = { ...ctx, config: parseConfig({ email: { from: 'a@example.com' }, ...ON }) };
    const on = wafStep.permissions(scope).flatMap((g) => g.actions);
    const off = wafStep.permissions(ctx).flatMap((g) => g.actions);
    expect(on).toEqual(expect.arrayContaining(['wafv2:CreateWebACL', 'wafv2:AssociateWebACL', 'cognito-idp:AssociateWebACL']));
    expect(off).not.toContain('wafv2:CreateWebACL');
    expect(off).toEqual(expect.arrayContaining(['wafv2:DeleteWebACL', 'wafv2:DisassociateWebACL', 'wafv2:ListWebACLs']));
  });
});

describe('protection.waf config', () => {
  const config = (waf: Record<string, unknown>) => () => parseConfig({ email: { from: 'a@example.com' }, protection: { waf } });
  it("refuses limits below AWS's minimum of 10 and windows AWS does not offer, saying what is allowed", () => {
    expect(config({ requestsPerIp: 5 })).toThrow(/protection\.waf\.requestsPerIp: must be at least 10 requests/);
    expect(config({ windowSeconds: 100 })).toThrow(/protection\.waf\.windowSeconds: must be one of 60, 120, 300, 600/);
    expect(config({ requestsPerIp: 20, signInsPerIp: 50 })).toThrow(/protection\.waf\.signInsPerIp: must not exceed requestsPerIp/);
    expect(config({ enabeld: true })).toThrow(/did you mean "enabled"/);
  });
});
