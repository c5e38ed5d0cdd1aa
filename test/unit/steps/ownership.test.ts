import { describe, expect, it } from 'vitest';
import { decideOwnership, foreignReason, ownershipTags, type OwnershipQuestion } from '../../../src/steps/ownership.js';
import { planContext } from './context.js';

const base: OwnershipQuestion = {
  stackName: 'email-otp',
  stackId: 'aaaa111111',
  kind: 'IAM role',
  name: 'EmailOTPLambdaExecutionRole',
  tags: undefined,
  recorded: false,
};
const ask = (q: Partial<OwnershipQuestion>) => decideOwnership({ ...base, ...q });
const ours = { 'otp-setup:stack': 'email-otp', 'otp-setup:stack-id': 'aaaa111111' };

describe('who a resource found by name belongs to', () => {
  it('ours: our stack id and our stack name', () => {
    expect(ask({ tags: ours })).toEqual({ owner: 'ours' });
    expect(ask({ tags: ours, recorded: true })).toEqual({ owner: 'ours' });
  });

  it("another folder's stack with the same names (another id) is foreign, even when our state records it", () => {
    const other = { 'otp-setup:stack': 'email-otp', 'otp-setup:stack-id': 'bbbb222222' };
    for (const recorded of [false, true]) {
      const v = ask({ tags: other, recorded });
      expect(v.owner).toBe('foreign');
      expect(v.owner === 'foreign' && v.reason).toContain('stack id "bbbb222222"');
    }
  });

  it('without an id of our own (teardown or plan before up assigned one) nothing with an id is ours', () => {
    expect(ask({ stackId: undefined, tags: ours }).owner).toBe('foreign');
    expect(ask({ stackId: undefined, tags: ours, recorded: true }).owner).toBe('foreign');
  });

  it('our id under another stack name (another stage of this config sharing a fixed name) is foreign', () => {
    const v = ask({ tags: { 'otp-setup:stack': 'email-otp-prod', 'otp-setup:stack-id': 'aaaa111111' } });
    expect(v.owner === 'foreign' && v.reason).toContain('stack "email-otp-prod" of this configuration');
  });

  it("from before stack ids (name tag only): ours only when this folder's state file records it", () => {
    const old = { 'otp-setup:stack': 'email-otp', 'otp-setup:managed-by': 'otp-setup' };
    expect(ask({ tags: old, recorded: true })).toEqual({ owner: 'legacy' });
    expect(ask({ stackId: undefined, tags: old, recorded: true })).toEqual({ owner: 'legacy' });
    const v = ask({ tags: old, recorded: false });
    expect(v.owner === 'foreign' && v.reason).toMatch(/no stack id.*state file does not record it/);
  });

  it("another stack's name tag is foreign", () => {
    expect(ask({ tags: { 'otp-setup:stack': 'shop' }, recorded: true }).owner).toBe('foreign');
  });

  it('untagged: never ours (an old version recorded refused roles too), except a recorded log group Lambda made itself', () => {
    for (const tags of [undefined, {}]) {
      const v = ask({ tags, recorded: true });
      expect(v.owner === 'foreign' && v.reason).toContain('was not created by otp-setup');
    }
    expect(ask({ tags: {}, recorded: true, untaggedOursWhenRecorded: true })).toEqual({ owner: 'legacy' });
    expect(ask({ tags: {}, recorded: false, untaggedOursWhenRecorded: true }).owner).toBe('foreign');
  });

  it('foreignReason notes each adopted old-style resource once, for up to report', () => {
    const ctx = planContext({ stackId: 'aaaa111111' });
    const old = { 'otp-setup:stack': 'email-otp' };
    expect(foreignReason(ctx, 'IAM role', 'r', old, true)).toBeUndefined();
    expect(foreignReason(ctx, 'IAM role', 'r', old, true)).toBeUndefined();
    expect(foreignReason(ctx, 'Lambda function', 'f', ours, true)).toBeUndefined();
    expect(ctx.facts.legacy).toEqual(['r']);
  });

  it('every resource is tagged with the stack name and, once assigned, the stack id', () => {
    expect(ownershipTags(planContext({ stackId: 'aaaa111111' }))).toEqual({ ...ours, 'otp-setup:managed-by': 'otp-setup' });
    expect(ownershipTags(planContext())).toEqual({ 'otp-setup:stack': 'email-otp', 'otp-setup:managed-by': 'otp-setup' });
  });
});
