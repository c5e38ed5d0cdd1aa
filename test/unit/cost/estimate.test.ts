import { describe, expect, it } from 'vitest';
import { USER_POOL_TIERS } from '../../../src/config/schema.js';
import { pricedTier } from '../../../src/cost/cost-options.js';
import { estimateCost } from '../../../src/cost/estimate.js';
import prices from '../../../src/cost/prices.json' with { type: 'json' };

const base = { cognitoTier: 'legacy' as const, memoryMb: 256 };

describe('cost estimate', () => {
  it("reproduces the guide's ~$0.10 for 1,000 users: one sign-in (one email) each, Cognito and Lambda free", () => {
    const e = estimateCost({ ...base, monthlyActiveUsers: 1000, signInsPerUser: 1 });
    expect(e.lines.find((l) => l.service === 'ses')!.monthlyUsd).toBeCloseTo(0.1, 10);
    expect(e.lines.find((l) => l.service === 'cognito')!.monthlyUsd).toBe(0);
    expect(e.lines.find((l) => l.service === 'lambda')!.monthlyUsd).toBe(0);
    expect(e.totalUsd).toBeCloseTo(0.1, 10);
    expect(e.notes.join(' ')).toContain('~$0.10 for 1,000 users');
  });

  it('charges Cognito only above the free MAU, per tier', () => {
    expect(estimateCost({ ...base, monthlyActiveUsers: 60_000, signInsPerUser: 0 }).lines[0]!.monthlyUsd).toBeCloseTo(10_000 * 0.0055, 10);
    expect(
      estimateCost({ ...base, cognitoTier: 'essentials', monthlyActiveUsers: 60_000, signInsPerUser: 0 }).lines[0]!.monthlyUsd,
    ).toBeCloseTo(50_000 * 0.015, 10);
    expect(estimateCost({ ...base, cognitoTier: 'lite', monthlyActiveUsers: 10_000, signInsPerUser: 0 }).lines[0]!.monthlyUsd).toBe(0);
    // Plus has no free MAU (https://aws.amazon.com/cognito/pricing/).
    expect(estimateCost({ ...base, cognitoTier: 'plus', monthlyActiveUsers: 1_000, signInsPerUser: 0 }).lines[0]!.monthlyUsd).toBeCloseTo(
      1_000 * 0.02,
      10,
    );
  });

  it('prices every tier a pool can be configured with (userPool.tier)', () => {
    for (const tier of USER_POOL_TIERS) expect(prices.cognito.tiers[pricedTier(tier)]).toBeDefined();
    expect(pricedTier('LITE')).toBe('lite');
  });

  it('charges Lambda requests above 1M at $0.20 per million, 5 invocations per sign-in', () => {
    // 100,000 users × 5 sign-ins × 5 = 2,500,000 invocations: 1.5M billable = $0.30 (+ compute inside its free tier).
    const e = estimateCost({ ...base, monthlyActiveUsers: 100_000, signInsPerUser: 5 });
    const lambda = e.lines.find((l) => l.service === 'lambda')!;
    expect(lambda.quantity).toBe(2_500_000);
    expect(lambda.monthlyUsd).toBeCloseTo(0.3, 10);
    expect(e.lines.find((l) => l.service === 'ses')!.monthlyUsd).toBeCloseTo(50, 10);
  });

  it('adds the rate-limit table: 1 read and 4 writes per sign-in at on-demand prices', () => {
    const e = estimateCost({ ...base, monthlyActiveUsers: 100_000, signInsPerUser: 5, rateLimit: true });
    const table = e.lines.find((l) => l.service === 'dynamodb')!;
    expect(table.quantity).toBe(2_500_000);
    // 2M writes × $0.625/M + 0.5M reads × $0.125/M
    expect(table.monthlyUsd).toBeCloseTo(1.3125, 10);
    expect(estimateCost({ ...base, monthlyActiveUsers: 1000, signInsPerUser: 1 }).lines.some((l) => l.service === 'dynamodb')).toBe(false);
  });

  it('adds the WAF web ACL: $5 a month, $1 per rule, $0.60 per million inspected requests (2 per sign-in)', () => {
    const e = estimateCost({ ...base, monthlyActiveUsers: 100_000, signInsPerUser: 5, wafRules: 2 });
    const waf = e.lines.find((l) => l.service === 'waf')!;
    expect(waf.quantity).toBe(1_000_000);
    expect(waf.monthlyUsd).toBeCloseTo(5 + 2 + 0.6, 10);
    expect(e.notes.join(' ')).toContain('WAF web ACL with 2 rules');
    expect(estimateCost({ ...base, monthlyActiveUsers: 1000, signInsPerUser: 1 }).lines.some((l) => l.service === 'waf')).toBe(false);
  });

  it('keeps prices in one data file with a checked date and sources', () => {
    expect(prices.checked).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(prices.sources.every((s) => s.startsWith('https://aws.amazon.com/'))).toBe(true);
    expect(prices.ses.perThousandEmails).toBe(0.1);
    expect(prices.ses.freeTierNote).toContain('EC2');
  });
});
