import { FUNCTION_KINDS } from '../../config/function-kinds.js';
import { fail, ok, warn, type Check } from '../check.js';
import type { PolicyStatement } from '../../steps/permissions-step.js';

const COGNITO = 'cognito-idp.amazonaws.com';

function grantsCognito(s: PolicyStatement): boolean {
  const principal = typeof s.Principal === 'string' ? s.Principal : s.Principal?.Service;
  const actions = Array.isArray(s.Action) ? s.Action : [s.Action];
  return s.Effect !== 'Deny' && principal === COGNITO && actions.some((a) => a === 'lambda:InvokeFunction' || a === 'lambda:*');
}

function condition(s: PolicyStatement, key: string): string | undefined {
  for (const block of Object.values(s.Condition ?? {})) if (block[key] !== undefined) return block[key];
  return undefined;
}

/**
 * The guide's "Lambda permission error" step: Cognito may invoke each trigger, and only for this
 * pool (SourceArn) in this account (SourceAccount). An unscoped grant lets any pool, in any
 * account, invoke our functions.
 */
export const permissionsCheck: Check = {
  id: 'permissions',
  title: 'Trigger invoke permissions',
  async run({ ctx, lookups }) {
    const pool = await lookups.pool();
    const poolArn = pool?.Arn;
    const missing: string[] = [];
    const unscoped: string[] = [];
    const elsewhere: string[] = [];
    await Promise.all(
      FUNCTION_KINDS.map(async (kind) => {
        const name = ctx.names.functions[kind];
        const grants = ((await lookups.policy(kind)) ?? []).filter(grantsCognito);
        if (grants.length === 0) return void missing.push(name);
        const scoped = grants.filter((s) => condition(s, 'AWS:SourceArn') !== undefined && condition(s, 'AWS:SourceAccount') !== undefined);
        if (scoped.length < grants.length) unscoped.push(name);
        if (poolArn && !grants.some((s) => condition(s, 'AWS:SourceArn') === poolArn || condition(s, 'AWS:SourceArn') === undefined))
          elsewhere.push(name);
      }),
    );
    const fix = 'Run "otp-setup up": it grants cognito-idp.amazonaws.com invoke scoped to this pool and account.';
    if (missing.length > 0) return fail(`Cognito may not invoke ${missing.join(', ')}: sign-in fails with "AccessDeniedException"`, fix);
    if (elsewhere.length > 0) return fail(`${elsewhere.join(', ')}: the permission names another pool, not ${pool?.Id}`, fix);
    if (unscoped.length > 0)
      return warn(`${unscoped.join(', ')}: any user pool in any account may invoke them (no SourceArn/SourceAccount)`, fix);
    return ok(
      `all ${FUNCTION_KINDS.length} functions: Cognito only, scoped to ${pool ? `pool ${pool.Id}` : 'a pool'} and account ${ctx.accountId}`,
    );
  },
};
