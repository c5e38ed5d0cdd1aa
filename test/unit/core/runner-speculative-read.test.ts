import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createIoHost } from '../../../src/cli/io-host.js';
import { converge } from '../../../src/core/runner.js';
import { noop, update, type Observed, type Step, type StepContext } from '../../../src/core/step.js';

// Steps as data: `parent` stands for the user pool, `child` for the app client read through the
// pool's recorded id (Step.speculativeRead). Events record the order reads start and end in.
function fixture(parentChanges: boolean, childSeen: Observed<unknown>['status'] = 'present') {
  const events: string[] = [];
  let releaseParent!: () => void;
  const parentRead = new Promise<void>((resolve) => (releaseParent = resolve));
  const parent: Step = {
    id: 'user-pool',
    title: 'parent',
    dependsOn: [],
    async read() {
      events.push('parent read start');
      await parentRead;
      events.push('parent read end');
      return { status: 'present', actual: {} };
    },
    plan: () =>
      parentChanges ? update([{ field: 'x', actual: 1, desired: 2 }], async () => void events.push('parent apply')) : noop('unchanged'),
    destroy: async () => ({ action: 'absent', summary: '' }),
    permissions: () => [],
  };
  const child: Step = {
    id: 'app-client',
    title: 'child',
    dependsOn: ['user-pool'],
    speculativeRead: true,
    async read() {
      events.push('child read');
      // The parent's read is still in flight when a speculative read starts: release it now.
      releaseParent();
      return childSeen === 'present' ? { status: 'present', actual: {} } : { status: 'absent' };
    },
    plan: () => noop('unchanged'),
    destroy: async () => ({ action: 'absent', summary: '' }),
    permissions: () => [],
  };
  return { events, steps: [parent, child], release: () => releaseParent() };
}

async function run(steps: Step[], recorded: boolean, mode: 'apply' | 'plan' = 'apply') {
  const sink = new PassThrough();
  sink.resume();
  const io = await createIoHost({ stdout: sink, stderr: sink, stdin: new PassThrough() }, { json: true, debug: false, env: {} });
  const state = {
    steps: recorded ? { 'user-pool': { action: 'created', at: '' }, 'app-client': { action: 'created', at: '' } } : {},
    resources: {},
  };
  const ctx = { state, facts: {}, adopt: false, allowReplace: false, keepSes: false, progress: () => undefined } as unknown as StepContext;
  return converge(steps, ctx, mode, { io, save: async () => undefined, control: { interrupted: false } });
}

describe('speculative reads (re-run: every read one round trip after the identity call)', () => {
  it('reads a recorded dependent step together with its dependency, once, when the dependency is unchanged', async () => {
    for (const mode of ['apply', 'plan'] as const) {
      const { events, steps } = fixture(false);
      await run(steps, true, mode);
      expect(events.indexOf('child read')).toBeLessThan(events.indexOf('parent read end'));
      expect(events.filter((e) => e === 'child read')).toHaveLength(1);
    }
  });

  it('reads it again in its turn when the dependency changed', async () => {
    const { events, steps } = fixture(true);
    await run(steps, true);
    expect(events.filter((e) => e === 'child read')).toHaveLength(2);
    expect(events.lastIndexOf('child read')).toBeGreaterThan(events.indexOf('parent apply'));
  });

  it('reads it again when it saw nothing (a lost id): absent is decided only after the dependency', async () => {
    const { events, steps } = fixture(false, 'absent');
    await run(steps, true);
    expect(events.filter((e) => e === 'child read')).toHaveLength(2);
    expect(events.lastIndexOf('child read')).toBeGreaterThan(events.indexOf('parent read end'));
  });

  it('does not speculate on a step this stack never recorded (a fresh up)', async () => {
    const { events, steps, release } = fixture(false);
    const running = run(steps, false);
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual(['parent read start']);
    release();
    await running;
    expect(events).toEqual(['parent read start', 'parent read end', 'child read']);
  });
});
