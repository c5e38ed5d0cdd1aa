import { OWNERSHIP_TAG } from '../config/resource-names.js';
import type { StepContext } from '../core/step.js';

export function ownershipTags(ctx: StepContext): Record<string, string> {
  return { [OWNERSHIP_TAG]: ctx.names.stackId, 'otp-setup:managed-by': 'otp-setup' };
}

/** Undefined when the tags say the resource is ours; otherwise the reason it is not. */
export function foreignReason(ctx: StepContext, kind: string, name: string, tags: Record<string, string> | undefined): string | undefined {
  const value = tags?.[OWNERSHIP_TAG];
  if (value === ctx.names.stackId) return undefined;
  if (value === undefined) return `a ${kind} named "${name}" already exists and was not created by otp-setup (it has no ${OWNERSHIP_TAG} tag)`;
  return `a ${kind} named "${name}" belongs to another otp-setup stack ("${value}")`;
}

export function tagsFromList(list: ReadonlyArray<{ Key?: string; Value?: string }> | undefined): Record<string, string> {
  return Object.fromEntries((list ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key!, t.Value ?? '']));
}
