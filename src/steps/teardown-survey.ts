import type { Observed, Step, StepContext, StepId } from '../core/step.js';

/** One line of what teardown found: a resource it will delete, or one it keeps and why. */
export interface SurveyItem {
  step: StepId;
  title: string;
  what: string;
  reason?: string;
}

export interface TeardownSurvey {
  remove: SurveyItem[];
  keep: SurveyItem[];
  /** What each step's read found: what its destroy acts on (destroyAll). */
  observed: ReadonlyMap<StepId, Observed<unknown>>;
}

type Verdict = { remove: string } | { keep: string; reason: string } | undefined;

function keys(value: unknown): string[] {
  return value && typeof value === 'object' ? Object.keys(value) : [];
}

/**
 * What each step's destroy will do with what its read observed. Mirrors the destroy functions,
 * which act on the same observation: a resource found by name is deleted only when it is this
 * stack's (its stack id tag, or the state file for one from before ids).
 */
function verdict(step: Step, ctx: StepContext, observed: Observed<unknown>, ours: ReadonlySet<StepId>): Verdict {
  const { names, state, config } = ctx;
  if (step.id === 'ses-identity' || step.id === 'ses-domain') {
    const recorded = step.id === 'ses-identity' ? state.resources.sesIdentity : state.resources.sesDomain;
    if (recorded?.createdByUs) {
      return ctx.keepSes
        ? { keep: `SES identity ${recorded.identity}`, reason: '--keep-ses' }
        : { remove: `SES identity ${recorded.identity}` };
    }
    if (observed.status === 'absent') return undefined;
    const identity = step.id === 'ses-identity' ? config.email.from : config.email.from.split('@')[1];
    return {
      keep: `SES identity ${identity}`,
      reason: "this folder's state file does not record otp-setup creating it (SES identities carry no tags)",
    };
  }
  if (observed.status === 'absent') return undefined;
  if (observed.foreign) return { keep: step.title, reason: observed.foreign };
  const actual = observed.actual as Record<string, unknown>;
  switch (step.id) {
    case 'log-groups':
      return {
        remove: `log groups ${keys(actual)
          .map((k) => `/aws/lambda/${names.functions[k as keyof typeof names.functions]}`)
          .join(', ')}`,
      };
    case 'role': {
      const regions = ((actual.tags as Record<string, string> | undefined)?.['otp-setup:regions'] ?? '')
        .split(' ')
        .filter((r) => r && r !== ctx.region);
      return regions.length > 0
        ? {
            keep: `IAM role ${names.role}`,
            reason: `still used by this stack in ${regions.join(', ')} (only ${ctx.region} is removed from it)`,
          }
        : { remove: `IAM role ${names.role}` };
    }
    case 'rate-limit-table':
      return { remove: `DynamoDB table ${names.rateLimitTable}` };
    case 'user-pool': {
      const pool = actual.pool as { Id?: string; Name?: string };
      return { remove: `user pool ${pool.Name ?? names.userPool} (${pool.Id}) and all its users` };
    }
    case 'app-client':
      return { remove: `app client ${names.client} (${state.resources.clientId ?? 'found by name'})` };
    case 'permissions': {
      const kinds = keys(actual).filter((k) => ours.has(`function:${k}`));
      if (kinds.length === 0) return { keep: step.title, reason: "the functions are not this stack's" };
      return { remove: `Cognito's invoke permission on ${kinds.length} function(s)` };
    }
    case 'frontend-env': {
      const env = actual.env as Record<string, string | undefined> | undefined;
      const present = Object.entries(env ?? {})
        .filter(([, v]) => v !== undefined)
        .map(([k]) => k);
      const file = state.resources.frontend?.envFile ?? (config.frontend.envFile || undefined);
      const parts = present.length > 0 ? [`${present.join(', ')} from ${file}`] : [];
      // The file up wrote to earlier, now that frontend.envFile is false: destroy still cleans it.
      const recordedEnv = state.resources.frontend?.envFile;
      if (!env && recordedEnv) parts.push(`otp-setup's keys in ${recordedEnv}, if still there`);
      if (actual.outputs && (state.resources.userPoolId || state.resources.frontend?.outputsFile))
        parts.push(`the auth section of ${config.frontend.outputsFile}`);
      return parts.length > 0 ? { remove: parts.join('; ') } : undefined;
    }
    case 'alarms': {
      const alarms = keys(actual.alarms);
      const topic = (actual.topic as { arn?: string } | undefined)?.arn;
      const parts = [alarms.length > 0 && `CloudWatch alarms ${alarms.join(', ')}`, topic && `SNS topic ${topic}`].filter(Boolean);
      return parts.length > 0 ? { remove: parts.join(' and ') } : undefined;
    }
    default:
      if (step.id.startsWith('function:'))
        return { remove: `Lambda function ${names.functions[step.id.slice('function:'.length) as keyof typeof names.functions]}` };
      return { remove: step.title };
  }
}

/**
 * Reads every step before teardown deletes anything, so the user sees (and confirms) exactly what
 * will go and what stays, and each destroy then acts on what was read. As in `up`, a read starts
 * at once unless it goes through what an earlier step's read records (the app client through the
 * pool's id): then it starts when those reads are done. Reads record the ids of what is ours in
 * ctx.state; nothing is written to AWS or to disk.
 */
export async function surveyTeardown(steps: readonly Step[], ctx: StepContext): Promise<TeardownSurvey> {
  const reads = new Map<StepId, Promise<Observed<unknown>>>();
  for (const step of steps) {
    const after = step.independentRead ? [] : step.dependsOn.flatMap((id) => reads.get(id) ?? []);
    const stepCtx = { ...ctx, progress: () => undefined };
    const reading = Promise.all(after).then(() => (step.readForTeardown ?? step.read).call(step, stepCtx));
    reading.catch(() => undefined); // rethrown below, in step order
    reads.set(step.id, reading);
  }
  const observations = new Map<StepId, Observed<unknown>>();
  const survey: TeardownSurvey = { remove: [], keep: [], observed: observations };
  const ours = new Set<StepId>();
  for (const step of steps) {
    const observed = await reads.get(step.id)!;
    observations.set(step.id, observed);
    if (observed.status === 'present' && !observed.foreign) ours.add(step.id);
    const v = verdict(step, ctx, observed, ours);
    if (!v) continue;
    if ('remove' in v) survey.remove.push({ step: step.id, title: step.title, what: v.remove });
    else survey.keep.push({ step: step.id, title: step.title, what: v.keep, reason: v.reason });
  }
  return survey;
}
