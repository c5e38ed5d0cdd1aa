import type { IoHost } from './io.js';
import { InterruptedError, OtpError } from './errors.js';
import type { Change, FieldDiff, Observed, Step, StepContext, StepId } from './step.js';

export type StepAction =
  | 'created'
  | 'updated'
  | 'replaced'
  | 'unchanged'
  /** Nothing exists and nothing is wanted: a feature switched off (alarms, DKIM, the .env). */
  | 'skipped'
  | 'would-create'
  | 'would-update'
  | 'would-replace'
  | 'deleted'
  | 'absent'
  | 'kept'
  | 'released';

export interface StepReport {
  id: StepId;
  title: string;
  action: StepAction;
  summary: string;
  diffs: FieldDiff[];
  notes: string[];
  /** For status: recorded in state by an earlier run but no longer found (deleted out of band). */
  missing?: boolean;
}

export interface RunControl {
  /** Set by the SIGINT handler: no new step starts, the one in flight finishes and is recorded. */
  interrupted: boolean;
}

export interface RunOptions {
  io: IoHost;
  /** Steps call it concurrently: it must write one save at a time, in call order (StateStore.save does). */
  save: () => Promise<void>;
  control: RunControl;
  /** Progress only while reading (status prints its own table of the outcome). */
  quiet?: boolean;
}

const PAST: Record<Change['kind'], StepAction> = { noop: 'unchanged', create: 'created', update: 'updated', replace: 'replaced' };
const FUTURE: Record<Change['kind'], StepAction> = {
  noop: 'unchanged',
  create: 'would-create',
  update: 'would-update',
  replace: 'would-replace',
};

/**
 * Starts each step as soon as the steps it waits for are done; independent steps run
 * concurrently. `waitsFor` names them: the step's own dependencies for `up`, the steps that depend
 * on it for teardown (a function goes only after the user pool that invokes it): `done` the ones
 * it waits for to finish, `applied` those it waits for only until `run` calls `applied` for them
 * (their apply has returned, Step.startsAfterApply). Once a step has failed or the run is
 * interrupted no further step starts; those in flight finish and are recorded.
 */
async function schedule(
  steps: readonly Step[],
  waitsFor: (step: Step) => { done: readonly StepId[]; applied?: readonly StepId[] },
  control: RunControl,
  interrupted: () => Error,
  run: (step: Step, applied: () => void) => Promise<StepReport>,
): Promise<StepReport[]> {
  // The whole order is checked before any step starts: a step started ahead of a misplaced one
  // would otherwise go on writing after the run had already been rejected.
  const scheduled = new Set<StepId>();
  for (const step of steps) {
    const { done, applied = [] } = waitsFor(step);
    const missing = [...done, ...applied].find((id) => !scheduled.has(id));
    if (missing !== undefined) throw new Error(`step ${step.id} waits for ${missing}, which is not scheduled before it`);
    scheduled.add(step.id);
  }
  const running = new Map<StepId, Promise<StepReport>>();
  // Settles once the step's apply has returned, or with the step itself (no apply, or a failure).
  const appliedBy = new Map<StepId, Promise<unknown>>();
  let failure: { error: unknown } | undefined;
  for (const step of steps) {
    const { done, applied = [] } = waitsFor(step);
    const deps = [...done.map((id) => running.get(id)!), ...applied.map((id) => appliedBy.get(id)!)];
    let markApplied!: () => void;
    const appliedSignal = new Promise<void>((resolve) => (markApplied = resolve));
    const report = Promise.all(deps).then(async () => {
      if (failure) throw failure.error;
      if (control.interrupted) throw interrupted();
      try {
        return await run(step, markApplied);
      } catch (err) {
        failure ??= { error: err };
        throw err;
      }
    });
    running.set(step.id, report);
    const whenApplied = Promise.race([appliedSignal, report]);
    whenApplied.catch(() => undefined); // a failure is the step's own, reported through `running`
    appliedBy.set(step.id, whenApplied);
  }
  const settled = await Promise.allSettled(running.values());
  if (failure) throw failure.error;
  const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (rejected) throw rejected.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<StepReport>).value);
}

function foreignError(step: Step, reason: string): OtpError {
  return new OtpError('FOREIGN_RESOURCE', `${step.title}: ${reason}.`, {
    resolution:
      'otp-setup changes only resources tagged with this configuration\'s stackId. If it is another project\'s, give this stack other names in the config ("name", "stage" or "names"); if it is this project\'s, use the config it was deployed with (its "stackId"); to take it over anyway, run "otp-setup up --adopt".',
    details: { step: step.id, reason },
  });
}

async function refuseForeignFirst(
  steps: readonly Step[],
  early: ReadonlyMap<StepId, Promise<Observed<unknown>>>,
  speculative: ReadonlySet<StepId>,
  options: RunOptions,
): Promise<void> {
  const checked = steps.filter((step) => early.has(step.id) && !speculative.has(step.id));
  // A read that failed is rethrown in its step's turn, as before; only what was found counts here.
  const seen = await Promise.all(checked.map((step) => early.get(step.id)!.catch(() => undefined)));
  const index = seen.findIndex((observed) => observed?.status === 'present' && observed.foreign !== undefined);
  if (index < 0) return;
  const step = checked[index]!;
  const observed = seen[index] as { foreign: string };
  options.io.step(`${step.title}: reading`, { transient: options.quiet }).fail(`${step.title}: failed`);
  // What the reads recorded (ids of our own resources found by name) is kept, as after any failure.
  await options.save().catch(() => undefined);
  throw foreignError(step, observed.foreign);
}

/** Converges every step (mode "apply") or only reports what would change (mode "plan"). */
export async function converge(
  steps: readonly Step[],
  ctx: StepContext,
  mode: 'apply' | 'plan',
  options: RunOptions,
): Promise<StepReport[]> {
  const { io } = options;
  // Reads that need nothing from earlier steps (no dependencies, or Step.independentRead) start
  // now, so they are off the critical path.
  const early = new Map<StepId, Promise<Observed<unknown>>>();
  // On a re-run (no-op up, plan, status) reads through recorded ids start now too, so every read
  // is one round trip after the identity call; see Step.speculativeRead for when they stand.
  const speculative = new Set<StepId>();
  const actions = new Map<StepId, StepAction>();
  for (const step of steps) {
    const now = step.dependsOn.length === 0 || step.independentRead === true;
    const speculate = !now && step.speculativeRead === true && ctx.state.steps[step.id] !== undefined;
    if (!now && !speculate) continue;
    if (speculate) speculative.add(step.id);
    const reading = step.read({ ...ctx, progress: () => undefined, checkpoint: options.save });
    reading.catch(() => undefined); // awaited (and rethrown) when the step's turn comes
    early.set(step.id, reading);
  }
  // Ownership before any write: every resource these reads found is checked before the first
  // step applies, so a run that will refuse another stack's resource creates nothing of its own
  // first. (Reads that need an earlier step's output, such as the app client's through the pool
  // id, cannot run before that step; the step they depend on is checked here.)
  if (!ctx.adopt) await refuseForeignFirst(steps, early, speculative, options);
  return schedule(
    steps,
    (step) => {
      const early = step.startsAfterApply ?? [];
      return { done: step.dependsOn.filter((id) => !early.includes(id)), applied: early };
    },
    options.control,
    () => new InterruptedError(),
    async (step, applied) => {
      const handle = io.step(`${step.title}: reading`, { transient: options.quiet });
      // A shallow copy: state and facts stay shared, progress goes to this step's own line.
      const stepCtx: StepContext = { ...ctx, progress: (text) => handle.update(`${step.title}: ${text}`), checkpoint: options.save };
      // Set once AWS has done the step's change: a failure after that (saving state) must not say "failed".
      let done: string | undefined;
      try {
        // A speculative read that failed (say, through a stale id) is simply read again in turn.
        let observed: Observed<unknown> | undefined = speculative.has(step.id)
          ? await early.get(step.id)?.catch(() => undefined)
          : await early.get(step.id);
        if (
          observed &&
          speculative.has(step.id) &&
          (observed.status !== 'present' || !step.dependsOn.every((id) => actions.get(id) === 'unchanged'))
        ) {
          observed = undefined;
        }
        observed ??= await step.read(stepCtx);
        const wasRecorded = ctx.state.steps[step.id] !== undefined;
        if (observed.status === 'present' && observed.foreign && !ctx.adopt) throw foreignError(step, observed.foreign);
        const change = step.plan(stepCtx, observed);
        const missing = observed.status === 'absent' && wasRecorded;
        if (mode === 'plan' || change.kind === 'noop' || !change.apply) {
          // "unchanged" would claim something exists; a feature that is off has nothing to compare.
          const action =
            change.kind === 'noop' && observed.status === 'absent' && !missing
              ? 'skipped'
              : mode === 'plan'
                ? FUTURE[change.kind]
                : 'unchanged';
          if (mode === 'apply' && change.settle) {
            applied();
            await change.settle(stepCtx);
          }
          const text = `${step.title}: ${missing ? 'missing (deleted outside otp-setup); ' : ''}${change.summary}`;
          if (change.kind === 'noop') handle.info(text);
          else handle.warn(text);
          if (!options.quiet) for (const note of change.notes) io.info(`  ${note}`);
          actions.set(step.id, action);
          return {
            id: step.id,
            title: step.title,
            action,
            summary: change.summary,
            diffs: change.diffs,
            notes: change.notes,
            ...(missing ? { missing } : {}),
          };
        }
        if (change.kind === 'replace' && !ctx.allowReplace) {
          throw new OtpError(
            'REPLACE_NEEDS_FLAG',
            `${step.title} must be replaced: ${change.diffs.map((d) => d.field).join(', ')} cannot change in place.`,
            {
              resolution:
                'Replacing deletes the old resource (a user pool loses its users). Run "otp-setup up --allow-replace" if that is what you want, or revert the setting.',
              details: { diffs: change.diffs },
            },
          );
        }
        handle.update(`${step.title}: ${change.summary}`);
        const learned = (await change.apply(stepCtx)) ?? [];
        applied();
        await change.settle?.(stepCtx);
        const notes = [...change.notes, ...learned];
        const fields = change.kind === 'update' || change.kind === 'replace' ? ` (${change.diffs.map((d) => d.field).join(', ')})` : '';
        done = `${step.title}: ${PAST[change.kind]}${fields}`;
        ctx.state.steps[step.id] = { action: PAST[change.kind], at: new Date().toISOString() };
        await options.save();
        handle.succeed(done);
        for (const note of notes) io.info(`  ${note}`);
        actions.set(step.id, PAST[change.kind]);
        return { id: step.id, title: step.title, action: PAST[change.kind], summary: change.summary, diffs: change.diffs, notes };
      } catch (err) {
        if (done) handle.warn(`${done}, but not recorded in the state file`);
        else handle.fail(`${step.title}: failed`);
        // Whatever the step recorded before failing (e.g. an id returned by a create call) is kept.
        await options.save().catch(() => undefined);
        throw err;
      }
    },
  );
}

/**
 * Destroys the steps in reverse dependency order: each as soon as every step that depends on it is
 * gone, independent ones concurrently; state is saved after each. `observed` is teardown's reading
 * of every step (surveyTeardown), made after the user confirmed: each destroy acts on it.
 */
export async function destroyAll(
  steps: readonly Step[],
  ctx: StepContext,
  observed: ReadonlyMap<StepId, Observed<unknown>>,
  options: RunOptions,
): Promise<StepReport[]> {
  const unread = steps.find((step) => !observed.has(step.id));
  if (unread) throw new Error(`step ${unread.id} was not read before teardown`);
  const dependents = new Map<StepId, StepId[]>(steps.map((step) => [step.id, []]));
  for (const step of steps) for (const id of step.dependsOn) dependents.get(id)?.push(step.id);
  return schedule(
    [...steps].reverse(),
    (step) => ({ done: dependents.get(step.id) ?? [] }),
    options.control,
    () => new InterruptedError('Interrupted. Run "otp-setup teardown" again to finish.'),
    async (step) => {
      const handle = options.io.step(`${step.title}: deleting`);
      const stepCtx: StepContext = { ...ctx, progress: (text) => handle.update(`${step.title}: ${text}`), checkpoint: options.save };
      let done: string | undefined;
      try {
        const outcome = await step.destroy(stepCtx, observed.get(step.id)!);
        const text = `${step.title}: ${outcome.summary}`;
        done = text;
        delete ctx.state.steps[step.id];
        await options.save();
        if (outcome.action === 'deleted') handle.succeed(text);
        else handle.info(text);
        return { id: step.id, title: step.title, action: outcome.action, summary: outcome.summary, diffs: [], notes: [] };
      } catch (err) {
        if (done) handle.warn(`${done}, but not recorded in the state file`);
        else handle.fail(`${step.title}: failed`);
        await options.save().catch(() => undefined);
        throw err;
      }
    },
  );
}
