import { costInputFromFlags, pricedTier, type CostFlags } from '../cost/cost-options.js';
import { converge, type StepReport } from '../core/runner.js';
import { STEPS } from '../steps/index.js';
import { desiredRules } from '../steps/waf-step.js';
import type { CommandEnv } from './deps.js';
import { watchInterrupts } from './interrupts.js';
import { openStack } from './stack-context.js';
import { countActions, describeCounts, diffLines } from './summary.js';

/**
 * `plan` (what up would change) and `status` (what exists, and drift) share one read-only pass:
 * every step reads and plans, nothing applies, and the state file is not written.
 */
export function planCommand(env: CommandEnv, options: CostFlags): Promise<number> {
  return readOnlyPass(env, 'plan', options);
}

export function statusCommand(env: CommandEnv): Promise<number> {
  return readOnlyPass(env, 'status', {});
}

async function readOnlyPass(env: CommandEnv, kind: 'plan' | 'status', costFlags: CostFlags): Promise<number> {
  const { io } = env;
  // Parsed before any AWS call, so a mistyped number fails fast as a usage error.
  const costFlagsInput = costInputFromFlags(costFlags);
  const stack = await openStack(env, { buildHandlers: true, preloadStepClients: true });
  const { ctx } = stack;
  const { control, stop } = watchInterrupts(env);
  try {
    io.info(
      `otp-setup ${kind} · stack ${ctx.names.stackId}${ctx.config.stackId ? ` (id ${ctx.config.stackId})` : ''} · ${ctx.region} · account ${ctx.accountId} · Cognito ${ctx.config.userPool.tier} tier`,
    );
    if (!ctx.config.stackId)
      io.info(
        `No "stackId" in ${stack.loaded.path} yet: up adds one and tags every resource with it; only resources carrying it count as this stack's.`,
      );
    // status prints one table; plan's per-step lines are its progress and reasons.
    const reports = await converge(STEPS, ctx, 'plan', { io, control, save: async () => undefined, quiet: kind === 'status' });
    const counts = countActions(reports);
    io.out('');
    if (kind === 'plan') {
      const pending = reports.filter(isChange);
      io.out(pending.length === 0 ? 'No changes: AWS matches the configuration.' : `Plan: ${describeCounts(counts)}.`);
    } else {
      for (const r of reports) {
        io.out(`  ${r.title.padEnd(32)} ${statusWord(r)}`);
        for (const note of r.notes) io.out(`  ${''.padEnd(32)}   ${note}`);
      }
      io.out('');
    }
    for (const line of diffLines(reports)) io.out(line);
    const { describeEstimate, estimateCost } = await import('../cost/estimate.js');
    const cost = costFlagsInput
      ? estimateCost({
          ...costFlagsInput,
          cognitoTier: costFlagsInput.cognitoTier ?? pricedTier(ctx.config.userPool.tier),
          memoryMb: ctx.config.lambda.memoryMb,
          rateLimit: ctx.config.rateLimit.enabled,
          ...(ctx.config.protection.waf.enabled ? { wafRules: desiredRules(ctx).length } : {}),
        })
      : undefined;
    if (cost) {
      io.out('');
      for (const line of describeEstimate(cost)) io.out(line);
    }
    io.result({
      ok: true,
      command: kind,
      ...(cost ? { cost } : {}),
      stack: ctx.names.stackId,
      region: ctx.region,
      userPoolTier: ctx.config.userPool.tier,
      accountId: ctx.accountId,
      userPoolId: ctx.state.resources.userPoolId,
      clientId: ctx.state.resources.clientId,
      counts,
      changes: reports.filter(isChange).length,
      drift: reports
        .filter((r) => r.missing || r.action === 'would-update' || r.action === 'would-replace')
        .map((r) => ({ id: r.id, missing: Boolean(r.missing), diffs: r.diffs })),
      steps: reports,
    });
    return 0;
  } finally {
    stop();
    await stack.close();
  }
}

function isChange(r: StepReport): boolean {
  return r.action !== 'unchanged' && r.action !== 'skipped';
}

function statusWord(r: StepReport): string {
  if (r.missing) return 'MISSING (deleted outside otp-setup; "otp-setup up" restores it)';
  switch (r.action) {
    case 'unchanged':
      return `ok · ${r.summary}`;
    case 'would-create':
      return 'not created yet';
    case 'would-update':
      return `DRIFT · ${r.diffs.map((d) => d.field).join(', ')} differ from the config`;
    case 'would-replace':
      return `DRIFT · needs replacement (${r.diffs.map((d) => d.field).join(', ')})`;
    default:
      return r.summary;
  }
}
