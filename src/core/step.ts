import type { AwsClients } from '../aws/clients.js';
import type { AwsPorts } from '../aws/ports/index.js';
import type { ResourceNames } from '../config/resource-names.js';
import type { Config } from '../config/schema.js';
import type { BuiltHandler } from './built-handler.js';
import type { FunctionKind } from '../config/function-kinds.js';
import type { Grant, PermissionScope } from './permissions.js';
import type { StackState } from './state-store.js';

/**
 * A step's id. The ids that exist are those of the step list, which derives their union
 * (`KnownStepId` in src/steps/index.ts) and whose test checks every `dependsOn` names one of them.
 */
export type StepId = string;

export interface FieldDiff {
  field: string;
  actual: unknown;
  desired: unknown;
}

/** What `read` found. A resource found by name without our ownership tag is `foreign`. */
export type Observed<T> = { status: 'absent' } | { status: 'present'; actual: T; foreign?: string };

export type ChangeKind = 'noop' | 'create' | 'update' | 'replace';

export interface Change {
  kind: ChangeKind;
  /** One line for the spinner and the summary. */
  summary: string;
  diffs: FieldDiff[];
  /** Things the user must know or do (e.g. "check your inbox"), shown even for noop. */
  notes: string[];
  /** Absent for noop. Performs the writes and records ids in ctx.state; may return notes it learned. */
  apply?: (ctx: StepContext) => Promise<void | string[]>;
  /**
   * The rest of the change, which the steps naming this one in `Step.startsAfterApply` need not
   * wait for: AWS finishing what apply started (a new function leaving Pending), or what an
   * earlier, interrupted run left unfinished (then it comes with a noop). Runs after apply, only
   * in apply mode; the step is done, and its other dependents start, once it returns.
   */
  settle?: (ctx: StepContext) => Promise<void>;
}

export interface StepContext {
  config: Config;
  names: ResourceNames;
  /** Folder of the config file; relative paths in the config resolve against it. */
  configDir: string;
  region: string;
  accountId: string;
  partition: string;
  aws: AwsClients;
  /** What steps call AWS through: one narrow port per service, errors already mapped. */
  ports: AwsPorts;
  /** Ids and ARNs recorded so far; steps update it, the runner saves it after each step. */
  state: StackState;
  /** Facts learned while reading earlier steps that later plans depend on. */
  facts: {
    /** The verified SES identity covering the sender (the address, or its domain); unset while unverified. */
    sesIdentity?: string;
    userPoolArn?: string;
    /**
     * A fresh handler secret, used only while the stack has none (state, or the deployed
     * functions, found by read); recorded in state when a function is written with it.
     */
    newHandlerKey?: string;
    /** Resources created before stack ids that the state file proves ours (up tags them). */
    legacy?: string[];
    /** A pool this run created: it has no app clients yet, so none need looking for. */
    createdUserPoolId?: string;
  };
  /** The handler bundles, built before the runner starts (absent for teardown). */
  builtHandlers?: Record<FunctionKind, BuiltHandler>;
  adopt: boolean;
  allowReplace: boolean;
  keepSes: boolean;
  /** Progress text for the running step ("waiting for IAM to propagate…"). */
  progress(text: string): void;
  /**
   * Saves state now, mid-step (the runner saves after each step anyway). For a write whose
   * result cannot be found again by name + tag: record the intent, checkpoint, then write, so a
   * run killed in between still knows the resource is ours.
   */
  checkpoint?(): Promise<void>;
}

export interface DestroyOutcome {
  /** kept: not ours, left alone; released: ours but still used by this stack elsewhere. */
  action: 'deleted' | 'absent' | 'kept' | 'released';
  summary: string;
}

export interface Step<T = unknown, Id extends StepId = StepId> {
  id: Id;
  title: string;
  dependsOn: readonly StepId[];
  /**
   * True when read() needs nothing the steps it depends on produce (it looks things up by name
   * or recorded id): the runner then starts it at once, and only plan/apply wait for them.
   */
  independentRead?: boolean;
  /**
   * True when read() goes through ids an earlier step records (the app client through the pool
   * id), yet a re-run could read it at once: when this stack recorded the step before, the runner
   * starts read() with the other reads and keeps what it saw only if it was "present" and every
   * step it depends on ended unchanged; otherwise it reads again in its turn.
   */
  speculativeRead?: boolean;
  /**
   * Of dependsOn, the steps this one needs only to exist, not settled: it starts once their apply
   * has returned, while their Change.settle goes on (the user pool names the functions by ARN; only
   * what operates on a function, such as AddPermission, needs it Active).
   */
  startsAfterApply?: readonly StepId[];
  read(ctx: StepContext): Promise<Observed<T>>;
  /**
   * What teardown reads before it asks: read() unless the step must look even with its feature
   * off (a lost state file may have forgotten what an earlier configuration made).
   */
  readForTeardown?(ctx: StepContext): Promise<Observed<T>>;
  /** Pure: decides from the context's data and what read observed; never calls AWS. */
  plan(ctx: StepContext, observed: Observed<T>): Change;
  /**
   * Deletes what teardown's reading of this step (`readForTeardown`, or `read`) found ours, without
   * reading again: that reading is what the user saw listed and confirmed, and the runner hands
   * it over only fresh (made after the confirmation). A resource gone since is "absent" on
   * delete; one that is not ours is kept.
   */
  destroy(ctx: StepContext, observed: Observed<T>): Promise<DestroyOutcome>;
  /**
   * Every IAM action read, plan's apply and destroy may call (waiters and tag-on-create included),
   * scoped to this step's ARNs: `otp-setup policy` is built from these. Pure, like plan.
   */
  permissions(scope: PermissionScope): Grant[];
}

export function noop(summary: string, notes: string[] = []): Change {
  return { kind: 'noop', summary, diffs: [], notes };
}

type Apply = NonNullable<Change['apply']>;

/** An in-place update of the fields that differ; the summary names them unless given. */
export function update(diffs: FieldDiff[], apply: Apply, summary?: string): Change {
  return { kind: 'update', summary: summary ?? `update ${[...new Set(diffs.map((d) => d.field))].join(', ')}`, diffs, notes: [], apply };
}

/** Creates what read found absent. */
export function create(summary: string, apply: Apply): Change {
  return { kind: 'create', summary, diffs: [], notes: [], apply };
}

/** Deletes and creates again what cannot change in place (the runner asks for --allow-replace). */
export function replace(summary: string, diffs: FieldDiff[], apply: Apply): Change {
  return { kind: 'replace', summary, diffs, notes: [], apply };
}

/** For a resource made of parts (one per function, say): create when none exists yet, update otherwise. */
export function createOrUpdate(
  observed: Observed<unknown>,
  summary: string,
  diffs: FieldDiff[],
  apply: Apply,
  notes: string[] = [],
): Change {
  return { kind: observed.status === 'absent' ? 'create' : 'update', summary, diffs, notes, apply };
}

/**
 * The common opening of destroy: nothing found is "already gone" (`whenAbsent` forgets any record
 * of it), a resource that is not ours is kept with the reason; `remove` deletes the rest.
 */
export async function destroyOwned<T>(
  observed: Observed<T>,
  remove: (actual: T) => Promise<DestroyOutcome>,
  whenAbsent: { forget?: () => void; summary?: string } = {},
): Promise<DestroyOutcome> {
  if (observed.status === 'absent') {
    whenAbsent.forget?.();
    return { action: 'absent', summary: whenAbsent.summary ?? 'already gone' };
  }
  if (observed.foreign) return { action: 'kept', summary: `kept: ${observed.foreign}` };
  return remove(observed.actual);
}

/** Compares desired fields against actual ones, by value (JSON-shaped data, key order ignored). */
export function diffFields(actual: Record<string, unknown>, desired: Record<string, unknown>): FieldDiff[] {
  const diffs: FieldDiff[] = [];
  for (const [field, want] of Object.entries(desired)) {
    const have = actual[field];
    if (!sameValue(have, want)) diffs.push({ field, actual: have, desired: want });
  }
  return diffs;
}

export function sameValue(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => x.localeCompare(y)))
      : v,
  );
}
