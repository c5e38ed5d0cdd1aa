import { describe, expect, expectTypeOf, it } from 'vitest';
import { STEPS, type KnownStepId } from '../../../src/steps/index.js';

describe('the step list', () => {
  it('gives every step its own id', () => {
    const ids = STEPS.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('lists each step after the steps it depends on, and only steps it knows', () => {
    const seen = new Set<string>();
    for (const step of STEPS) {
      for (const dep of step.dependsOn) expect(seen.has(dep), `${step.id} depends on "${dep}"`).toBe(true);
      seen.add(step.id);
    }
  });

  it('lets a step start after an apply only of steps it depends on', () => {
    for (const step of STEPS) {
      for (const id of ('startsAfterApply' in step ? step.startsAfterApply : undefined) ?? [])
        expect(step.dependsOn, `${step.id} starts after ${id}'s apply`).toContain(id);
    }
  });

  it('derives the id union from the list', () => {
    expectTypeOf<'function:pre-sign-up'>().toExtend<KnownStepId>();
    expectTypeOf<'alarms'>().toExtend<KnownStepId>();
    expectTypeOf<'no-such-step'>().not.toExtend<KnownStepId>();
  });
});
