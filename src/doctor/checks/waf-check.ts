import { fail, ok, type Check } from '../check.js';
import { sameValue } from '../../core/step.js';
import { wafStep } from '../../steps/waf-step.js';

/**
 * With `protection.waf` on: the web ACL exists, is this stack's, protects the user pool, and its
 * rules are the configured per-IP limits. Reads through the step's own read (its permissions).
 */
export const wafCheck: Check = {
  id: 'waf',
  title: 'WAF web ACL on the user pool',
  async run({ ctx, lookups }) {
    const w = ctx.config.protection.waf;
    if (!w.enabled) return ok('off (protection.waf.enabled is false)');
    const pool = await lookups.pool();
    if (!pool) return fail(`no user pool "${ctx.names.userPool}" for this stack in ${ctx.region}`, 'Run "otp-setup up".');
    const observed = await wafStep.read(ctx);
    if (observed.status === 'absent') return fail('no web ACL protects the user pool', 'Run "otp-setup up" to create it.');
    if (observed.foreign) return fail(observed.foreign, 'Give this stack other names, or run "otp-setup up --adopt" if it is yours.');
    const { acl, poolAcl } = observed.actual;
    const problems: string[] = [];
    if (poolAcl !== acl.ARN)
      problems.push(poolAcl ? `the pool is associated with another web ACL (${poolAcl})` : 'it is not associated with the pool');
    const change = wafStep.plan(ctx, observed);
    const rules = change.diffs.find((d) => d.field === 'Rules');
    if (rules && !sameValue(rules.actual, rules.desired)) problems.push('its rules are not the configured per-IP limits');
    if (change.diffs.some((d) => d.field === 'DefaultAction')) problems.push('its default action is not Allow');
    if (problems.length > 0) return fail(`web ACL ${acl.Name}: ${problems.join('; ')}`, 'Run "otp-setup up" to restore it.');
    return ok(
      `web ACL ${acl.Name} protects pool ${pool.Id}: ${w.signInsPerIp} sign-ins and ${w.requestsPerIp} requests per IP per ${w.windowSeconds} s`,
    );
  },
};
