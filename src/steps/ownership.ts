import { OWNERSHIP_TAG, STACK_ID_TAG } from '../config/resource-names.js';
import type { StepContext } from '../core/step.js';

/**
 * Who a resource found by name belongs to. Names are not unique across projects (two folders
 * with the default config share every name), so ownership is the stack id the config carries,
 * tagged on every resource. Resources from before stack ids carry only the stack-name tag:
 * they are ours when this folder's state file records them, and get the id tag on the next up.
 */
export type Ownership = { owner: 'ours' } | { owner: 'legacy' } | { owner: 'foreign'; reason: string };

export interface OwnershipQuestion {
  /** Our stack name (`otp-setup:stack`) and id (`otp-setup:stack-id`; undefined until up assigns one). */
  stackName: string;
  stackId: string | undefined;
  /** e.g. "IAM role", and the resource's name, for the reason. */
  kind: string;
  name: string;
  tags: Record<string, string> | undefined;
  /** This folder's state file records this very resource (its id or ARN). */
  recorded: boolean;
  /**
   * A resource without any otp-setup tag may still be ours when recorded, where the record was
   * only ever written for what was ours (a pool's id, a function's ARN, a log group Lambda created
   * itself for our function). Not for the role: an older version recorded its ARN even when it
   * refused to touch it, so an untagged role is never ours without --adopt.
   */
  untaggedOursWhenRecorded?: boolean;
}

export function decideOwnership(q: OwnershipQuestion): Ownership {
  const id = q.tags?.[STACK_ID_TAG];
  const stack = q.tags?.[OWNERSHIP_TAG];
  // "an IAM role", "an SNS topic", but "a user pool".
  const what = `${/^(IAM|SNS|[aeio])/i.test(q.kind) ? 'an' : 'a'} ${q.kind} named "${q.name}"`;
  if (id !== undefined) {
    if (q.stackId !== undefined && id === q.stackId) {
      if (stack === undefined || stack === q.stackName) return { owner: 'ours' };
      return { owner: 'foreign', reason: `${what} belongs to stack "${stack}" of this configuration (another stage or name)` };
    }
    return {
      owner: 'foreign',
      reason: `${what} belongs to another otp-setup stack (stack id "${id}"${stack ? `, stack "${stack}"` : ''})`,
    };
  }
  if (stack === q.stackName) {
    if (q.recorded) return { owner: 'legacy' };
    return {
      owner: 'foreign',
      reason: `${what} carries the stack name "${stack}" but no stack id, and this folder's state file does not record it: it was created before stack ids, perhaps by another project`,
    };
  }
  if (stack !== undefined) return { owner: 'foreign', reason: `${what} belongs to another otp-setup stack ("${stack}")` };
  if (q.untaggedOursWhenRecorded && q.recorded) return { owner: 'legacy' };
  return { owner: 'foreign', reason: `${what} already exists and was not created by otp-setup (it has no ${OWNERSHIP_TAG} tag)` };
}

export function ownershipTags(ctx: Pick<StepContext, 'names' | 'config'>): Record<string, string> {
  const id = ctx.config.stackId;
  return { [OWNERSHIP_TAG]: ctx.names.stackId, ...(id ? { [STACK_ID_TAG]: id } : {}), 'otp-setup:managed-by': 'otp-setup' };
}

/**
 * Undefined when the resource is ours; otherwise the reason it is not. `recorded`: this folder's
 * state file records the resource (proof for one created before stack ids, which is then noted
 * in ctx.facts so up can say it adopted it).
 */
export function foreignReason(
  ctx: Pick<StepContext, 'names' | 'config' | 'facts'>,
  kind: string,
  name: string,
  tags: Record<string, string> | undefined,
  recorded = false,
  options: { untaggedOursWhenRecorded?: boolean } = {},
): string | undefined {
  const verdict = decideOwnership({ stackName: ctx.names.stackId, stackId: ctx.config.stackId, kind, name, tags, recorded, ...options });
  if (verdict.owner === 'foreign') return verdict.reason;
  if (verdict.owner === 'legacy') {
    const legacy = (ctx.facts.legacy ??= []);
    if (!legacy.includes(name)) legacy.push(name);
  }
  return undefined;
}

/** Tag lists (Key/Value pairs) to a map, and back: the ports speak maps, some AWS APIs lists. */
export { tagList, tagsFromList } from '../aws/tags.js';
