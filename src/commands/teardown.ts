import { readdir, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { deletionProtectionFor } from '../config/resource-names.js';
import { destroyAll } from '../core/runner.js';
import { stateDir } from '../core/state-store.js';
import { STEPS } from '../steps/index.js';
import { surveyTeardown, type TeardownSurvey } from '../steps/teardown-survey.js';
import { requireConfirmation } from './confirm.js';
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

function surveyLines(survey: TeardownSurvey, protectedPool: boolean): string[] {
  const lines: string[] = [];
  if (survey.remove.length === 0) lines.push('Nothing of this stack was found to delete.');
  else {
    lines.push('Will delete:');
    for (const item of survey.remove) {
      const protection = item.step === 'user-pool' && protectedPool ? ' (its deletion protection is turned off first)' : '';
      lines.push(`  - ${item.what}${protection}`);
    }
  }
  if (survey.keep.length > 0) {
    lines.push('Will keep:');
    for (const item of survey.keep) lines.push(`  - ${item.what}: ${item.reason}`);
  }
  return lines;
}

export async function teardownCommand(env: CommandEnv, options: TeardownOptions): Promise<number> {
  const { io } = env;
  const stack = await openStack(env, { lockFor: 'teardown', preloadStepClients: true, keepSes: options.keepSes });
  const { ctx, store } = stack;
  let released = false;
  const { control, stop } = watchInterrupts(env);
  try {
    const id = ctx.config.stackId;
    io.info(
      `otp-setup teardown · stack ${ctx.names.stackId}${id ? ` (id ${id})` : ' (no stackId in the config)'} · ${ctx.region} · account ${ctx.accountId}`,
    );
    // Everything is read first, so what is listed (and confirmed) is what the reads found, and
    // each destroy acts on what its read found.
    let survey = await surveyTeardown(STEPS, ctx);
    const found = { delete: survey.remove.map((i) => i.what), keep: survey.keep.map((i) => ({ what: i.what, reason: i.reason })) };
    for (const line of surveyLines(survey, deletionProtectionFor(ctx.config))) io.out(line);
    if (
      survey.remove.length > 0 &&
      !(await requireConfirmation(io, `Delete the ${survey.remove.length} item(s) listed above? This cannot be undone.`, {
        yes: env.global.yes,
        needs: 'teardown deletes resources',
        declined: 'Nothing was deleted.',
        result: { command: 'teardown', found },
      }))
    )
      return 1;
    // A question may wait minutes for its answer, and most deletes go by name (a function, the
    // role, the table): after a typed yes everything is read again, so nothing is deleted on what
    // was true before someone else's resource took a name. With --yes the reading is a moment old.
    if (survey.remove.length > 0 && !env.global.yes) survey = await surveyTeardown(STEPS, ctx);
    const reports = await destroyAll(STEPS, ctx, survey.observed, { io, control, save: () => store.save(ctx.state) });
    const kept = reports.filter((r) => r.action === 'kept' && r.id !== 'ses-identity' && r.id !== 'ses-domain');
    // Nothing of ours is left (what was kept is another stack's): leave no trace, the state
    // file, then the lock and our folder if nothing else is in it.
    await store.remove();
    await stack.close();
    released = true;
    const dir = stateDir(ctx.configDir);
    await removeIfEmpty(dirname(store.path));
    await removeIfEmpty(join(dir, 'locks'));
    await removeIfEmpty(dir);
    const counts = countActions(reports);
    io.out('');
    io.out(`Teardown done: ${describeCounts(counts)}.`);
    for (const r of kept) io.out(`  kept ${r.title}: ${r.summary}`);
    io.result({
      ok: true,
      command: 'teardown',
      stack: ctx.names.stackId,
      ...(id ? { stackId: id } : {}),
      region: ctx.region,
      counts,
      found,
      steps: reports,
    });
    return 0;
  } finally {
    stop();
    if (!released) await stack.close();
  }
}
