import type { RunControl } from '../core/runner.js';
import type { CommandEnv } from './deps.js';

/** Ctrl-C (or stdout's reader going away) asks the runner to stop after the call in flight; state is saved before exiting. */
export function watchInterrupts(env: CommandEnv): { control: RunControl; stop: () => void } {
  const control: RunControl = { interrupted: false };
  const stop = env.deps.onInterrupt((reason) => {
    if (!control.interrupted && reason === 'signal')
      env.io.warn('Stopping after the call in flight and saving state (Ctrl-C again to quit at once)…');
    control.interrupted = true;
  });
  return { control, stop };
}
