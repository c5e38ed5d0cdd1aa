import type { RealismRule } from './types.js';

const ROLE_WRITES = new Set([
  'CreateRole',
  'TagRole',
  'UntagRole',
  'UpdateAssumeRolePolicy',
  'AttachRolePolicy',
  'DetachRolePolicy',
  'PutRolePolicy',
  'DeleteRolePolicy',
  'UpdateRole',
  'UpdateRoleDescription',
  'DeleteRole',
]);

/**
 * TagRole "can throw ConcurrentModificationException: multiple requests to change this object
 * were submitted simultaneously"; the SDK does not retry it (it is neither throttling nor 5xx).
 * moto serialises everything. Here a TagRole fails when another write to the same role is in
 * flight when it arrives, or arrives while the TagRole is held for `holdMs` (AWS's own latency
 * stands in for it: writes sent together, e.g. from one Promise.all, overlap; writes sent one
 * after another never do, whatever the machine's speed).
 */
export function iamConcurrencyRule(holdMs = 150): RealismRule {
  const inFlight = new Map<string, number>();
  const tagging = new Map<string, { clash: boolean }>();
  const role = (call: { form: URLSearchParams }) => call.form.get('RoleName') ?? '';
  const conflict = {
    error: {
      status: 409,
      type: 'ConcurrentModification',
      message: 'Multiple requests to change this object were submitted simultaneously. Wait a few minutes and submit your request again.',
    },
  };
  return {
    id: 'iam-role-concurrency',
    sources: ['https://docs.aws.amazon.com/IAM/latest/APIReference/API_TagRole.html#API_TagRole_Errors'],
    async request(call) {
      if (call.service !== 'iam' || !ROLE_WRITES.has(call.action)) return undefined;
      const name = role(call);
      const held = tagging.get(name);
      if (held) held.clash = true;
      if (call.action !== 'TagRole') {
        inFlight.set(name, (inFlight.get(name) ?? 0) + 1);
        return undefined;
      }
      if ((inFlight.get(name) ?? 0) > 0 || held) return conflict;
      const mine = { clash: false };
      tagging.set(name, mine);
      await new Promise((r) => setTimeout(r, holdMs));
      tagging.delete(name);
      if (mine.clash) return conflict;
      inFlight.set(name, (inFlight.get(name) ?? 0) + 1);
      return undefined;
    },
    settled(call) {
      if (call.service !== 'iam' || !ROLE_WRITES.has(call.action)) return;
      const name = role(call);
      inFlight.set(name, Math.max(0, (inFlight.get(name) ?? 0) - 1));
    },
    reset() {
      inFlight.clear();
      tagging.clear();
    },
  };
}
