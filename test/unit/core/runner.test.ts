import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createIoHost } from '../../../src/cli/io-host.js';
import { InterruptedError, OtpError } from '../../../src/core/errors.js';
import { converge, destroyAll, type RunControl } from '../../../src/core/runner.js';
import {
  noop,
  update,
  type Change,
  type DestroyOutcome,
  type Observed,
  type Step,
  type StepContext,
  type StepId,
} from '../../../src/core/step.js';

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
  independentRead?: boolean;
}

function steps(defs: FakeStep[], log: string[]): Step[] {
  return defs.map((d) => ({
    id: d.id as StepId,
    title: d.id,
    dependsOn: (d.dependsOn ?? []) as StepId[],
    ...(d.independentRead ? { independentRead: true } : {}),
    async read() {
      log.push(`read ${d.id}`);
      await d.gate;
      log.push(`read ${d.id} done`);
      return d.observed ?? { status: 'absent' };
    },
    plan: () => (d.change ? d.change(log) : create(d.id, log)),
    async destroy() {
      log.push(`destroy ${d.id}`);
      if (d.destroyed instanceof Error) throw d.destroyed;
      return d.destroyed ?? { action: 'deleted', summary: 'deleted' };
    },
    permissions: () => [],
  }));
}

function create(id: string, log: string[], after?: () => void): Change {
  return {
    kind: 'create',
    summary: 'create',
    diffs: [],
    notes: [],
    apply: async (ctx) => {
      log.push(`apply ${id}`);
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

describe('converge: scheduling', () => {
  it('starts independent steps together and a dependent step only after its dependencies applied', async () => {
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const h = await harness();
    const run = converge(steps([{ id: 'a', gate }, { id: 'b' }, { id: 'c', dependsOn: ['a', 'b'] }], log), h.ctx, 'apply', h.options);
    // b's whole turn happens while a's read is still in flight: they do not wait for each other.
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['read a', 'read b', 'read b done', 'apply b']);
    release();
    const reports = await run;
    expect(log.indexOf('read c')).toBeGreaterThan(log.indexOf('apply a'));
    expect(log.indexOf('read c')).toBeGreaterThan(log.indexOf('apply b'));
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

  it('refuses a step list whose dependency comes after the step', async () => {
    const h = await harness();
    await expect(converge(steps([{ id: 'b', dependsOn: ['a'] }, { id: 'a' }], []), h.ctx, 'apply', h.options)).rejects.toThrow(
      'step b depends on a, which is not before it',
    );
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
  it('destroys in reverse order, one at a time, forgetting each step and saving after each', async () => {
    const log: string[] = [];
    const h = await harness({ a: 'created', b: 'created', c: 'created' });
    const reports = await destroyAll(
      steps([{ id: 'a' }, { id: 'b', destroyed: { action: 'kept', summary: 'kept (not ours)' } }, { id: 'c' }], log),
      h.ctx,
      h.options,
    );
    expect(log).toEqual(['destroy c', 'destroy b', 'destroy a']);
    expect(h.saves.map((s) => s.steps)).toEqual([['a', 'b'], ['a'], []]);
    expect(reports.map((r) => [r.id, r.action])).toEqual([
      ['c', 'deleted'],
      ['b', 'kept'],
      ['a', 'deleted'],
    ]);
  });

  it('stops at a failure with the steps after it untouched and still recorded', async () => {
    const log: string[] = [];
    const h = await harness({ a: 'created', b: 'created', c: 'created' });
    const run = destroyAll(steps([{ id: 'a' }, { id: 'b', destroyed: new Error('in use') }, { id: 'c' }], log), h.ctx, h.options);
    await expect(run).rejects.toThrow('in use');
    expect(log).toEqual(['destroy c', 'destroy b']);
    expect(h.saves.at(-1)!.steps).toEqual(['a', 'b']);
    expect(h.stderr()).toContain('b: failed');
  });

  it('an interrupt stops before the next step, with what was deleted recorded', async () => {
    const log: string[] = [];
    const h = await harness({ a: 'created', b: 'created' });
    const all = steps([{ id: 'a' }, { id: 'b' }], log);
    const last = all[1]!;
    all[1] = {
      ...last,
      destroy: async (ctx) => {
        const outcome = await last.destroy(ctx);
        h.control.interrupted = true;
        return outcome;
      },
    };
    const err = await destroyAll(all, h.ctx, h.options).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InterruptedError);
    expect((err as Error).message).toContain('Run "otp-setup teardown" again to finish');
    expect(log).toEqual(['destroy b']);
    expect(h.saves.map((s) => s.steps)).toEqual([['a']]);
  });
});
