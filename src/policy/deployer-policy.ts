import { testAuthPermissions } from '../sign-in/test-user.js';
import { unlockPermissions } from '../commands/unlock.js';
import type { Grant, PermissionScope } from '../core/permissions.js';
import { CHECKS } from '../doctor/checks/index.js';
import { STEPS } from '../steps/index.js';

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** Everything `up`, `plan`, `status`, `teardown`, `doctor` and `test-auth` declare they call. */
export function deployerGrants(scope: PermissionScope): Grant[] {
  return [
    ...STEPS.flatMap((s) => s.permissions(scope)),
    ...CHECKS.flatMap((c) => c.permissions?.(scope) ?? []),
    ...testAuthPermissions(scope),
    ...unlockPermissions(scope),
  ];
}

const key = (value: unknown): string => JSON.stringify(value ?? null);

function pascal(service: string): string {
  return service
    .split(/[^a-z0-9]+/i)
    .filter(Boolean)
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join('');
}

/**
 * One statement per set of resources and conditions, each action once: an action's resources are
 * the union of every grant of it (under the same conditions), and "*" swallows the rest.
 */
/** IAM's quota for a customer managed policy, counted without whitespace. */
export const MANAGED_POLICY_MAX_CHARS = 6144;

export function policyDocument(grants: readonly Grant[]): PolicyDocument {
  const byAction = new Map<string, { action: string; conditions: Grant['conditions']; resources: Set<string> }>();
  for (const g of grants) {
    for (const action of g.actions) {
      if (/\*/.test(action)) throw new Error(`wildcard action ${action}: declare the actions one by one`);
      const k = `${action}|${key(g.conditions)}`;
      const entry = byAction.get(k) ?? { action, conditions: g.conditions, resources: new Set<string>() };
      for (const r of g.resources) entry.resources.add(r);
      byAction.set(k, entry);
    }
  }
  const groups = new Map<string, { actions: string[]; resources: string[]; conditions: Grant['conditions'] }>();
  for (const { action, conditions, resources } of byAction.values()) {
    const list = resources.has('*') ? ['*'] : [...resources].sort();
    const k = `${key(list)}|${key(conditions)}`;
    const group = groups.get(k) ?? { actions: [], resources: list, conditions };
    group.actions.push(action);
    groups.set(k, group);
  }
  const ordered = [...groups.values()]
    .map((g) => ({ ...g, actions: g.actions.sort() }))
    .sort((a, b) => a.actions[0]!.localeCompare(b.actions[0]!));
  const used = new Map<string, number>();
  const Statement = ordered.map((g): PolicyStatement => {
    const services = [...new Set(g.actions.map((a) => a.split(':')[0]!))];
    // Actions the Service Authorization Reference lists without a resource type can only be granted on "*".
    const base = g.resources[0] === '*' ? 'NoResourceTypes' : services.map(pascal).join('');
    const n = (used.get(base) ?? 0) + 1;
    used.set(base, n);
    return {
      Sid: n === 1 ? base : `${base}${n}`,
      Effect: 'Allow',
      Action: g.actions,
      Resource: g.resources.length === 1 ? g.resources[0]! : g.resources,
      ...(g.conditions ? { Condition: g.conditions } : {}),
    };
  });
  return { Version: '2012-10-17', Statement };
}
