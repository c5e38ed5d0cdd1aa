import { readdir, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { deletionProtectionFor } from '../config/resource-names.js';
import { usageError } from '../core/errors.js';
import { destroyAll } from '../core/runner.js';
import { stateDir } from '../core/state-store.js';
import { STEPS } from '../steps/index.js';
import type { CommandEnv } from './deps.js';
import { watchInterrupts } from './interrupts.js';
import { openStack } from './stack-context.js';
import { countActions, describeCounts } from './summary.js';

export interface TeardownOptions {
  keepSes?: boolean;
}

async function removeIfEmpty(dir: string): Promise<void> {
  const entries = await readdir(dir).catch(() => undefined);
  if (entries && entries.length === 0) await rmdir(dir).catch(() => undefined);
}

export async function teardownCommand(env: CommandEnv, options: TeardownOptions): Promise<number> {
  const { io } = env;
  const stack = await openStack(env, { lockFor: 'teardown', preloadStepClients: true, keepSes: options.keepSes });
  const { ctx, store } = stack;
  let released = false;
  const { control, stop } = watchInterrupts(env);
  try {
    io.info(`otp-setup teardown · stack ${ctx.names.stackId} · ${ctx.region} · account ${ctx.accountId}`);
    if (!env.global.yes) {
      const protection = deletionProtectionFor(ctx.config) ? ' Its deletion protection (on for this stage) will be turned off first.' : '';
      const question = `Delete the user pool "${ctx.names.userPool}" (and all its users), its app client, the 4 functions and role "${ctx.names.role}"${options.keepSes ? '' : ', and the SES identity if otp-setup created it'}?${protection}`;
      if (!io.interactive) throw usageError('CONFIRMATION_REQUIRED', 'teardown deletes resources and needs confirmation.', 'Run it in a terminal to confirm, or pass --yes.');
      if (!(await io.confirm(question))) {
        io.out('Nothing was deleted.');
        io.result({ ok: false, command: 'teardown', cancelled: true });
        return 1;
      }
    }
    const reports = await destroyAll(STEPS, ctx, { io, control, save: () => store.save(ctx.state) });
    const kept = reports.filter((r) => r.action === 'kept' && r.id !== 'ses-identity');
    // A foreign resource we refused to touch keeps the state file; --keep-ses alone does not.
    if (kept.length === 0) {
      // Leave no trace: the state file, then the lock and our folder if nothing else is in it.
      await store.remove();
      await stack.close();
      released = true;
      const dir = stateDir(ctx.configDir);
      await removeIfEmpty(dirname(store.path));
      await removeIfEmpty(join(dir, 'locks'));
      await removeIfEmpty(dir);
    }
    const counts = countActions(reports);
    io.out('');
    io.out(`Teardown done: ${describeCounts(counts)}.`);
    for (const r of kept) io.out(`  kept ${r.title}: ${r.summary}`);
    io.result({ ok: true, command: 'teardown', stack: ctx.names.stackId, region: ctx.region, counts, steps: reports });
    return 0;
  } finally {
    stop();
    if (!released) await stack.close();
  }
}
