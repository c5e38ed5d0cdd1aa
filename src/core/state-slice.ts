import type { z } from 'zod';
import { OtpError } from './errors.js';
import type { StackState } from './state-store.js';

/** A step's own record in the state file's `resources`, typed and validated by the step's schema. */
export interface StateSlice<T> {
  /** Undefined when nothing is recorded; a record otp-setup could not have written is STATE_CORRUPT. */
  get(state: StackState): T | undefined;
  set(state: StackState, value: T): void;
  delete(state: StackState): void;
}

/**
 * Declared in the step's own file, so a new step records its ids without editing the central
 * schema in state-store.ts: that schema keeps keys it does not name (`loose()`), and this slice
 * checks its own key whenever the step reads it.
 */
export function stateSlice<S extends z.ZodType>(key: string, schema: S): StateSlice<z.output<S>> {
  const records = (state: StackState) => state.resources as Record<string, unknown>;
  return {
    get(state) {
      const raw = records(state)[key];
      if (raw === undefined) return undefined;
      const parsed = schema.safeParse(raw);
      if (parsed.success) return parsed.data;
      const why = parsed.error.issues.map((i) => `${['resources', key, ...i.path.map(String)].join('.')}: ${i.message}`).join('; ');
      throw new OtpError('STATE_CORRUPT', `The state file of stack ${state.stackId} is corrupt (${why}); it was left untouched.`, {
        resolution:
          'Move the state file aside (.otp-setup/state/ beside the config) and run the command again: otp-setup finds its resources by name and ownership tag.',
      });
    },
    set(state, value) {
      records(state)[key] = value;
    },
    delete(state) {
      delete records(state)[key];
    },
  };
}
