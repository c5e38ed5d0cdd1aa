import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createIoHost } from '../../../src/cli/io-host.js';
import { InterruptedError, OtpError } from '../../../src/core/errors.js';
import { converge, destroyAll, type RunControl } from '../../../src/core/runner.js';
import { noop, update, type Change, type DestroyOutcome, type Observed, type Step, type StepContext } from '../../../src/core/step.js';

// The runner with steps as data and no AWS: every step logs what the runner asks of it, so the
// tests check order, concurrency and what was saved by counting events, never by timing.

interface FakeStep {
  id: string;
  dependsOn?: string[];
  observed?: Observed<unknown>;
  change?: (log: string[]) => Change;
  /** Resolves the step's read; until then the read is in flight. */
  gate?: Promise<void>;
  destroyed?: DestroyOutcome | Error;
  /** Holds the step's destroy in flight until it resolves. */
  destroyGate?: Promise<void>;
  independentRead?: boolean;
  startsAfterApply?: string[];
}

/** A promise the test resolves when it chooses: holds a read, apply or destroy in flight. */
function latch(): { promise: Promise<void>; release: () => void } {
  let release!: () => void;
  const promise = new Promise<void>((r) => (release = r));
  return { promise, release };
}

/** Lets every pending callback run (the fakes do no I/O, so the runner goes as far as it can). */
const settle = () => new Promise((r) => setImmediate(r));

function steps(defs: FakeStep[], log: string[]): Step[] {
  return defs.map((d) => ({
    id: d.id,
    title: d.id,
    dependsOn: d.dependsOn ?? [],
    ...(d.independentRead ? { independentRead: true } : {}),
    ...(d.startsAfterApply ? { startsAfterApply: d.startsAfterApply } : {}),
    async read() {
      log.push(`read ${d.id}`);
      await d.gate;
      log.push(`read ${d.id} done`);
      return d.observed ?? { status: 'absent' };
    },
    plan: () => (d.change ? d.change(log) : create(d.id, log)),
    async destroy() {
      log.push(`destroy ${d.id}`);
      await d.destroyGate;
      if (d.destroyed instanceof Error) throw d.destroyed;
      log.push(`destroy ${d.id} done`);
      return d.destroyed ?? { action: 'deleted', summary: 'deleted' };
    },
    permissions: () => [],
  }));
}

function create(id: string, log: string[], after?: () => void, gate?: Promise<void>): Change {
  return {
    kind: 'create',
    summary: 'create',
    diffs: [],
    notes: [],
    apply: async (ctx) => {
      log.push(`apply ${id}`);
      if (gate) {
        await gate;
        log.push(`apply ${id} done`);
      }
      ctx.state.resources[id as 'roleArn'] = `${id}-id`;
      after?.();
    },
  };
}

async function harness(recorded: Record<string, string> = {}) {
  let stderr = '';
  const err = new PassThrough();
  err.on('data', (d: Buffer) => (stderr += d.toString()));
  const out = new PassThrough();
  out.resume();
  const io = await createIoHost({ stdout: out, stderr: err, stdin: new PassThrough() }, { json: false, debug: false, env: {} });
  const state = {
    version: 1,
    stackId: 'email-otp',
    region: 'us-east-1',
    accountId: '123456789012',
    updatedAt: '',
    resources: {} as Record<string, unknown>,
    steps: Object.fromEntries(Object.entries(recorded).map(([id, action]) => [id, { action, at: '' }])),
  };
  const ctx = { state, facts: {}, adopt: false, allowReplace: false, keepSes: false, progress: () => undefined } as unknown as StepContext;
  /** What each save wrote: the steps recorded and the resources known at that moment. */
  const saves: Array<{ steps: string[]; resources: Record<string, unknown> }> = [];
  let failSave = false;
  const control: RunControl = { interrupted: false };
  const options = {
    io,
    control,
    save: async () => {
      if (failSave) throw new Error('disk full');
      saves.push({ steps: Object.keys(state.steps).sort(), resources: { ...state.resources } });
    },
  };
  return { ctx, state, saves, control, options, stderr: () => stderr, failSaves: () => (failSave = true) };
}

/** What teardown's survey read of each step: the fake's own observation. */
function surveyed(all: Step[]): Map<string, Observed<unknown>> {
  return new Map(all.map((step) => [step.id, { status: 'present', actual: `${step.id} as read` }]));
}

/** Makes step `i`'s destroy raise the interrupt flag once it has finished (Ctrl-C during it). */
function interruptAfterDestroy(all: Step[], i: number, control: { interrupted: boolean }): void {
  const step = all[i]!;
  all[i] = {
    ...step,
    destroy: async (ctx, observed) => {
      const outcome = await step.destroy(ctx, observed);
      control.interrupted = true;
      return outcome;
    },
  };
}

describe('converge: scheduling', () => {
  it('reads every step it can before the first write, then applies independent steps together and a dependent one after its dependencies', async () => {
    const log: string[] = [];
    const readA = latch();
    const applyB = latch();
    const h = await harness();
    const run = converge(
      steps(
        [
          { id: 'a', gate: readA.promise },
          { id: 'b', change: (l) => create('b', l, undefined, applyB.promise) },
          { id: 'c', dependsOn: ['a', 'b'] },
        ],
        log,
      ),
      h.ctx,
      'apply',
      h.options,
    );
    // Both reads start at once; b is read but not written while a's read (which could find
    // another stack's resource) is still in flight.
    await settle();
    expect(log).toEqual(['read a', 'read b', 'read b done']);
    readA.release();
    await settle();
    // a and b apply together (a finishes while b's apply is in flight); c waits for both.
    expect(log.slice(0, 4)).toEqual(['read a', 'read b', 'read b done', 'read a done']);
    expect(log.slice(4).sort()).toEqual(['apply a', 'apply b']);
    expect(h.saves).toEqual([{ steps: ['a'], resources: { a: 'a-id' } }]);
    applyB.release();
    const reports = await run;
    expect(log.slice(6)).toEqual(['apply b done', 'read c', 'read c done', 'apply c']);
    expect(reports.map((r) => [r.id, r.action])).toEqual([
      ['a', 'created'],
      ['b', 'created'],
      ['c', 'created'],
    ]);
  });

  it('starts an independent read before the steps it depends on are done', async () => {
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const h = await harness();
    const run = converge(
      steps(
        [
          { id: 'a', gate },
          { id: 'b', dependsOn: ['a'], independentRead: true },
        ],
        log,
      ),
      h.ctx,
      'apply',
      h.options,
    );
    await new Promise((r) => setImmediate(r));
    expect(log).toContain('read b');
    expect(log).not.toContain('apply b');
    release();
    await run;
    expect(log.filter((e) => e === 'read b')).toHaveLength(1);
    expect(log.indexOf('apply b')).toBeGreaterThan(log.indexOf('apply a'));
  });

  it('refuses a step list whose dependency comes after the step, before any step is applied', async () => {
    const log: string[] = [];
    const h = await harness();
    const run = converge(steps([{ id: 'a' }, { id: 'c', dependsOn: ['b'] }, { id: 'b' }], log), h.ctx, 'apply', h.options);
    await expect(run).rejects.toThrow('step c waits for b, which is not scheduled before it');
    // Not even a, which comes before the misplaced step: nothing writes after the run was rejected.
    await settle();
    expect(log.filter((e) => e.startsWith('apply'))).toEqual([]);
    expect(h.saves.filter((s) => s.steps.length > 0)).toEqual([]);
  });
});

describe('converge: settle, and steps that start after an apply', () => {
  /** A create whose settle (AWS finishing it) stays in flight until `gate` resolves, or fails. */
  function settling(id: string, gate: Promise<void>, fail?: Error): (l: string[]) => Change {
    return (l) => ({
      ...create(id, l),
      settle: async () => {
        l.push(`settle ${id}`);
        await gate;
        if (fail) throw fail;
        l.push(`settle ${id} done`);
      },
    });
  }

  it('starts a step naming a dependency in startsAfterApply once its apply returns, while its settle runs; the others wait for the settle', async () => {
    const log: string[] = [];
    const fn = latch();
    const h = await harness();
    const run = converge(
      steps(
        [
          { id: 'fn', change: settling('fn', fn.promise) },
          { id: 'pool', dependsOn: ['fn'], startsAfterApply: ['fn'] },
          { id: 'perm', dependsOn: ['pool', 'fn'] },
        ],
        log,
      ),
      h.ctx,
      'apply',
      h.options,
    );
    await settle();
    // The pool is created while the function settles; the permission waits for both.
    expect(log.filter((e) => !e.startsWith('read'))).toEqual(['apply fn', 'settle fn', 'apply pool']);
    // Recorded only once settled: a run stopped meanwhile reads it again and settles it then.
    expect(h.saves.map((x) => x.steps)).toEqual([['pool']]);
    fn.release();
    const reports = await run;
    expect(log.filter((e) => !e.startsWith('read'))).toEqual(['apply fn', 'settle fn', 'apply pool', 'settle fn done', 'apply perm']);
    expect(reports.map((x) => [x.id, x.action])).toEqual([
      ['fn', 'created'],
      ['pool', 'created'],
      ['perm', 'created'],
    ]);
  });

  it('settles a noop (what an interrupted run left unfinished) before its dependents; plan never settles', async () => {
    const log: string[] = [];
    const h = await harness({ fn: 'created' });
    const unfinished = (l: string[]): Change => ({ ...noop('unchanged'), settle: async () => void l.push('settle fn') });
    const defs = [
      { id: 'fn', observed: { status: 'present', actual: {} } as const, change: unfinished },
      { id: 'perm', dependsOn: ['fn'] },
    ];
    await converge(steps(defs, log), h.ctx, 'plan', h.options);
    expect(log).not.toContain('settle fn');
    const reports = await converge(steps(defs, log), h.ctx, 'apply', h.options);
    expect(log.filter((e) => e === 'settle fn' || e.startsWith('apply'))).toEqual(['settle fn', 'apply perm']);
    expect(reports.map((x) => [x.id, x.action])).toEqual([
      ['fn', 'unchanged'],
      ['perm', 'created'],
    ]);
  });

  it('a settle that fails fails its step: what started after the apply finishes, nothing else starts', async () => {
    const log: string[] = [];
    const fn = latch();
    const pool = latch();
    const h = await harness();
    const failed = new OtpError('FUNCTION_FAILED', 'the function failed to become active');
    const run = converge(
      steps(
        [
          { id: 'fn', change: settling('fn', fn.promise, failed) },
          { id: 'pool', dependsOn: ['fn'], startsAfterApply: ['fn'], change: (l) => create('pool', l, undefined, pool.promise) },
          { id: 'perm', dependsOn: ['pool', 'fn'] },
        ],
        log,
      ),
      h.ctx,
      'apply',
      h.options,
    );
    run.catch(() => undefined);
    await settle();
    fn.release();
    await settle();
    pool.release();
    await expect(run).rejects.toBe(failed);
    expect(log).toContain('apply pool done');
    expect(log).not.toContain('apply perm');
    expect(h.state.steps).toEqual({ pool: expect.anything() });
    expect(h.stderr()).toContain('fn: failed');
  });

  it('refuses a startsAfterApply naming a step that comes later, before any step is applied', async () => {
    const h = await harness();
    const log: string[] = [];
    const run = converge(steps([{ id: 'pool', startsAfterApply: ['fn'] }, { id: 'fn' }], log), h.ctx, 'apply', h.options);
    await expect(run).rejects.toThrow('step pool waits for fn, which is not scheduled before it');
    expect(log.filter((e) => e.startsWith('apply'))).toEqual([]);
  });
});

describe('converge: state is saved after every step', () => {
  it('records each applied step, and what its apply learned, before the next step starts', async () => {
    const log: string[] = [];
    const h = await harness();
    await converge(steps([{ id: 'a' }, { id: 'b', dependsOn: ['a'] }], log), h.ctx, 'apply', h.options);
    expect(h.saves).toEqual([
      { steps: ['a'], resources: { a: 'a-id' } },
      { steps: ['a', 'b'], resources: { a: 'a-id', b: 'b-id' } },
    ]);
    expect(h.state.steps.a!.action).toBe('created');
  });

  it('a failing step stops the steps after it, keeps what the others recorded and saves once more', async () => {
    const log: string[] = [];
    const h = await harness();
    const boom = new OtpError('BOOM', 'b failed');
    const failing: Change = {
      kind: 'create',
      summary: 'create',
      diffs: [],
      notes: [],
      apply: async (ctx) => {
        // An id a create call returned before the step failed is kept for the next run.
        ctx.state.resources['half' as 'roleArn'] = 'created-before-the-failure';
        throw boom;
      },
    };
    const run = converge(
      steps([{ id: 'a' }, { id: 'b', dependsOn: ['a'], change: () => failing }, { id: 'c', dependsOn: ['b'] }], log),
      h.ctx,
      'apply',
      h.options,
    );
    await expect(run).rejects.toBe(boom);
    expect(log).not.toContain('read c');
    expect(h.saves.at(-1)).toEqual({ steps: ['a'], resources: { a: 'a-id', half: 'created-before-the-failure' } });
    expect(h.stderr()).toContain('b: failed');
  });

  it('a change AWS made but the state file could not record is reported as such, not as a failed step', async () => {
    const h = await harness();
    h.failSaves();
    await expect(converge(steps([{ id: 'a' }], []), h.ctx, 'apply', h.options)).rejects.toThrow('disk full');
    expect(h.stderr()).toContain('a: created, but not recorded in the state file');
    expect(h.stderr()).not.toContain('a: failed');
  });
});

describe('converge: interrupt', () => {
  it('lets the step in flight finish and be recorded, then starts no other step', async () => {
    const log: string[] = [];
    const h = await harness();
    const interrupting = (l: string[]) => create('a', l, () => (h.control.interrupted = true));
    const run = converge(
      steps(
        [
          { id: 'a', change: interrupting },
          { id: 'b', dependsOn: ['a'] },
        ],
        log,
      ),
      h.ctx,
      'apply',
      h.options,
    );
    await expect(run).rejects.toBeInstanceOf(InterruptedError);
    expect(log).toContain('apply a');
    expect(log).not.toContain('read b');
    expect(h.saves[0]).toEqual({ steps: ['a'], resources: { a: 'a-id' } });
  });
});

describe('converge: what it refuses', () => {
  const foreign: Observed<unknown> = { status: 'present', actual: {}, foreign: 'tagged otp-setup:stack=someone-else' };

  it('never plans or applies over a resource it did not create, unless --adopt', async () => {
    const log: string[] = [];
    const h = await harness();
    const err = await converge(steps([{ id: 'a', observed: foreign }], log), h.ctx, 'apply', h.options).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'FOREIGN_RESOURCE', message: 'a: tagged otp-setup:stack=someone-else.' });
    expect((err as OtpError).resolution).toContain('--adopt');
    expect(log).not.toContain('apply a');

    const adopted = await harness();
    adopted.ctx.adopt = true;
    await converge(steps([{ id: 'a', observed: foreign }], log), adopted.ctx, 'apply', adopted.options);
    expect(log).toContain('apply a');
  });

  it("refuses another stack's resource before anything is written, even when the read that finds it ends last", async () => {
    // b has no dependencies; d depends on a but reads on its own (Step.independentRead): both are read up front.
    for (const late of [{ id: 'b' }, { id: 'd', dependsOn: ['a'], independentRead: true }]) {
      const log: string[] = [];
      const slow = latch();
      const h = await harness();
      const run = converge(
        steps([{ id: 'a' }, { id: 'c', dependsOn: ['a'] }, { ...late, gate: slow.promise, observed: foreign }], log),
        h.ctx,
        'apply',
        h.options,
      );
      await settle();
      expect(log).toEqual(['read a', `read ${late.id}`, 'read a done']);
      slow.release();
      const err = await run.catch((e: unknown) => e);
      expect(err).toMatchObject({
        code: 'FOREIGN_RESOURCE',
        message: `${late.id}: tagged otp-setup:stack=someone-else.`,
        details: { step: late.id, reason: 'tagged otp-setup:stack=someone-else' },
      });
      // a, whose read found nothing in the way, is neither applied nor followed by c.
      expect(log).toEqual(['read a', `read ${late.id}`, 'read a done', `read ${late.id} done`]);
      // One save of what the reads recorded, no step in it.
      expect(h.saves).toEqual([{ steps: [], resources: {} }]);
      expect(h.stderr()).toContain(`${late.id}: failed`);
    }
  });

  it('refuses a replacement without --allow-replace, naming the fields, and replaces with it', async () => {
    const log: string[] = [];
    const replace = (l: string[]): Change => ({
      kind: 'replace',
      summary: 'replace',
      diffs: [{ field: 'UsernameAttributes', actual: [], desired: ['email'] }],
      notes: [],
      apply: async () => void l.push('replaced'),
    });
    const h = await harness();
    const present: Observed<unknown> = { status: 'present', actual: {} };
    const err = await converge(steps([{ id: 'a', observed: present, change: replace }], log), h.ctx, 'apply', h.options).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'REPLACE_NEEDS_FLAG', message: 'a must be replaced: UsernameAttributes cannot change in place.' });
    expect(log).not.toContain('replaced');

    const allowed = await harness();
    allowed.ctx.allowReplace = true;
    const [report] = await converge(steps([{ id: 'a', observed: present, change: replace }], log), allowed.ctx, 'apply', allowed.options);
    expect(log).toContain('replaced');
    expect(report).toMatchObject({ action: 'replaced' });
  });
});

describe('converge: plan mode and what a report says', () => {
  it('applies nothing and says what would happen; an absent resource recorded earlier is "missing"', async () => {
    const log: string[] = [];
    const h = await harness({ b: 'created' });
    const present: Observed<unknown> = { status: 'present', actual: {} };
    const reports = await converge(
      steps(
        [
          { id: 'a' },
          { id: 'b' },
          {
            id: 'c',
            observed: present,
            change: (l) => update([{ field: 'x', actual: 1, desired: 2 }], async () => void l.push('apply c')),
          },
          { id: 'd', change: () => noop('off') },
          { id: 'e', observed: present, change: () => noop('ok') },
        ],
        log,
      ),
      h.ctx,
      'plan',
      h.options,
    );
    expect(log.filter((e) => e.startsWith('apply'))).toEqual([]);
    expect(h.saves).toEqual([]);
    expect(reports.map((r) => [r.id, r.action, r.missing ?? false])).toEqual([
      ['a', 'would-create', false],
      ['b', 'would-create', true],
      ['c', 'would-update', false],
      ['d', 'skipped', false],
      ['e', 'unchanged', false],
    ]);
    expect(reports[2]!.diffs).toEqual([{ field: 'x', actual: 1, desired: 2 }]);
  });
});

describe('destroyAll', () => {
  it('destroys each step only after every step that depends on it, independent ones together, saving after each', async () => {
    const log: string[] = [];
    const c = latch();
    const h = await harness({ a: 'created', b: 'created', c: 'created', d: 'created' });
    // a ← b ← d, and a ← c: d and c go first and together, b after d, a only after both b and c.
    const all = steps(
      [
        { id: 'a' },
        { id: 'b', dependsOn: ['a'], destroyed: { action: 'kept', summary: 'kept (not ours)' } },
        { id: 'c', dependsOn: ['a'], destroyGate: c.promise },
        { id: 'd', dependsOn: ['b'] },
      ],
      log,
    );
    const run = destroyAll(all, h.ctx, surveyed(all), h.options);
    await settle();
    // b went as soon as d was gone; a waits for c, still in flight.
    expect(log).toEqual(['destroy d', 'destroy c', 'destroy d done', 'destroy b', 'destroy b done']);
    expect(h.saves.map((s) => s.steps)).toEqual([
      ['a', 'b', 'c'],
      ['a', 'c'],
    ]);
    c.release();
    const reports = await run;
    expect(log.slice(5)).toEqual(['destroy c done', 'destroy a', 'destroy a done']);
    expect(h.saves.map((s) => s.steps)).toEqual([['a', 'b', 'c'], ['a', 'c'], ['a'], []]);
    expect(reports.map((r) => [r.id, r.action])).toEqual([
      ['d', 'deleted'],
      ['c', 'deleted'],
      ['b', 'kept'],
      ['a', 'deleted'],
    ]);
  });

  it('a failure starts no further step; the one in flight finishes and is recorded, the rest stay recorded', async () => {
    const log: string[] = [];
    const c = latch();
    const h = await harness({ a: 'created', b: 'created', c: 'created' });
    let settled = false;
    const all = steps(
      [{ id: 'a' }, { id: 'b', dependsOn: ['a'], destroyed: new Error('in use') }, { id: 'c', dependsOn: ['a'], destroyGate: c.promise }],
      log,
    );
    const run = destroyAll(all, h.ctx, surveyed(all), h.options).finally(() => (settled = true));
    run.catch(() => undefined);
    await settle();
    // b has failed, but the run waits for c, which was already deleting.
    expect(log).toEqual(['destroy c', 'destroy b']);
    expect(settled).toBe(false);
    c.release();
    await expect(run).rejects.toThrow('in use');
    expect(log).toEqual(['destroy c', 'destroy b', 'destroy c done']);
    expect(h.saves.at(-1)!.steps).toEqual(['a', 'b']);
    expect(h.stderr()).toContain('b: failed');
  });

  it('an interrupt starts no further step; the one in flight finishes and is recorded; it says to run teardown again', async () => {
    const log: string[] = [];
    const c = latch();
    const h = await harness({ a: 'created', b: 'created', c: 'created' });
    const all = steps([{ id: 'a' }, { id: 'b', dependsOn: ['a'] }, { id: 'c', dependsOn: ['a'], destroyGate: c.promise }], log);
    interruptAfterDestroy(all, 1, h.control);
    const run = destroyAll(all, h.ctx, surveyed(all), h.options);
    run.catch(() => undefined);
    await settle();
    c.release();
    const err = await run.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InterruptedError);
    expect((err as Error).message).toBe('Interrupted. Run "otp-setup teardown" again to finish.');
    expect(log).toEqual(['destroy c', 'destroy b', 'destroy b done', 'destroy c done']);
    expect(h.saves.map((s) => s.steps)).toEqual([['a', 'c'], ['a']]);
  });

  it('an interrupt with nothing left to start ends normally: every step was destroyed', async () => {
    const log: string[] = [];
    const h = await harness({ a: 'created', b: 'created' });
    const all = steps([{ id: 'a' }, { id: 'b' }], log);
    const a = all[0]!;
    all[0] = {
      ...a,
      destroy: async (ctx, observed) => {
        h.control.interrupted = true;
        return a.destroy(ctx, observed);
      },
    };
    // a and b are independent: both start at once, so the interrupt has nothing left to stop.
    const reports = await destroyAll(all, h.ctx, surveyed(all), h.options);
    expect(reports.map((r) => [r.id, r.action])).toEqual([
      ['b', 'deleted'],
      ['a', 'deleted'],
    ]);
    expect(h.state.steps).toEqual({});
  });

  it('a failure in flight during an interrupt is what the run reports', async () => {
    const log: string[] = [];
    const c = latch();
    const h = await harness({ a: 'created', b: 'created', c: 'created' });
    const all = steps(
      [{ id: 'a' }, { id: 'b', dependsOn: ['a'] }, { id: 'c', dependsOn: ['a'], destroyGate: c.promise, destroyed: new Error('in use') }],
      log,
    );
    interruptAfterDestroy(all, 1, h.control);
    const run = destroyAll(all, h.ctx, surveyed(all), h.options);
    run.catch(() => undefined);
    await settle();
    c.release();
    await expect(run).rejects.toThrow('in use');
    expect(log).not.toContain('destroy a');
    expect(h.saves.at(-1)!.steps).toEqual(['a', 'c']);
  });

  it('hands each destroy what the survey read of its step, and refuses a step the survey did not read, before anything is destroyed', async () => {
    const h = await harness({ a: 'created', b: 'created' });
    const seen: Array<[string, Observed<unknown>]> = [];
    const all = steps([{ id: 'a' }, { id: 'b', dependsOn: ['a'] }], []).map((step): Step => ({
      ...step,
      destroy: async (_ctx, observed) => (seen.push([step.id, observed]), { action: 'deleted', summary: 'deleted' }),
    }));
    const read = surveyed(all);
    await expect(destroyAll(all, h.ctx, new Map([...read].filter(([id]) => id !== 'a')), h.options)).rejects.toThrow(
      'step a was not read before teardown',
    );
    expect(seen).toEqual([]);
    await destroyAll(all, h.ctx, read, h.options);
    expect(seen).toEqual([
      ['b', { status: 'present', actual: 'b as read' }],
      ['a', { status: 'present', actual: 'a as read' }],
    ]);
  });

  it('refuses a step list whose dependency comes after the step, before anything is destroyed', async () => {
    const log: string[] = [];
    const h = await harness({ a: 'created', b: 'created', x: 'created' });
    const all = steps([{ id: 'b', dependsOn: ['a'] }, { id: 'a' }, { id: 'x' }], log);
    const run = destroyAll(all, h.ctx, surveyed(all), h.options);
    await expect(run).rejects.toThrow('step a waits for b, which is not scheduled before it');
    await settle();
    expect(log).toEqual([]);
    expect(h.saves).toEqual([]);
  });
});
