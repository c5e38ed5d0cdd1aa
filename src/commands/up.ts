import { resolve } from 'node:path';
import { RESERVED_SENDER_DOMAIN } from '../config/patterns.js';
import { usageError } from '../core/errors.js';
import { converge } from '../core/runner.js';
import { preflightEnvFile } from '../frontend/env-file.js';
import { assertOutputsFileWritable } from '../frontend/outputs-file.js';
import { STEPS } from '../steps/index.js';
import type { CommandEnv } from './deps.js';
import { watchInterrupts } from './interrupts.js';
import { ensureStackId, openStack } from './stack-context.js';
import { cliName, countActions, describeCounts, diffLines } from './summary.js';

export interface UpOptions {
  adopt?: boolean;
  allowReplace?: boolean;
}

function refusePlaceholderSender(from: string, configFile: string): void {
  if (!RESERVED_SENDER_DOMAIN.test(from.split('@').pop() ?? '')) return;
  throw usageError(
    'PLACEHOLDER_SENDER',
    `email.from in ${configFile} is ${from}, a placeholder: its domain is reserved and can never receive the verification email SES sends, so no sign-in code could be sent.`,
    'Set email.from to an address you can receive mail at (or run "otp-setup init --from noreply@your-domain.com --force"). To try the sign-in without AWS, run "otp-setup sandbox".',
  );
}

export async function upCommand(env: CommandEnv, options: UpOptions): Promise<number> {
  const { io } = env;
  const stack = await openStack(env, {
    lockFor: 'up',
    buildHandlers: true,
    preloadStepClients: true,
    adopt: options.adopt,
    allowReplace: options.allowReplace,
    assignStackId: true,
  });
  const { ctx, store } = stack;
  const { control, stop } = watchInterrupts(env);
  try {
    refusePlaceholderSender(ctx.config.email.from, stack.loaded.path);
    // The .env is written last: an unreadable or read-only one (or a device) must stop the run
    // before any AWS write, not after (and before the config file gets a stack id).
    if (ctx.config.frontend.envFile !== false) await preflightEnvFile(resolve(ctx.configDir, ctx.config.frontend.envFile));
    if (ctx.config.frontend.outputsFile !== undefined)
      await assertOutputsFileWritable(resolve(ctx.configDir, ctx.config.frontend.outputsFile));
    const assigned = await ensureStackId(stack);
    io.info(`otp-setup up · stack ${ctx.names.stackId} (id ${ctx.config.stackId}) · ${ctx.region} · account ${ctx.accountId}`);
    const recordedId = ctx.state.identity;
    if (recordedId && recordedId !== ctx.config.stackId) {
      io.warn(
        `This folder's state file records stack id "${recordedId}", but the config says "${ctx.config.stackId}": resources tagged "${recordedId}" count as another stack's. If the id was changed by mistake, put back "stackId": "${recordedId}".`,
      );
    }
    if (assigned) {
      io.info(
        assigned.fromState
          ? `This configuration had no stack id: restored "stackId": "${assigned.id}" (the one this folder's state file records) into ${stack.loaded.path}.`
          : `This configuration had no stack id: wrote "stackId": "${assigned.id}" into ${stack.loaded.path}. Every resource is tagged with it; keep the file (commit it) so teammates manage the same stack.`,
      );
    }
    const before = JSON.stringify(ctx.state.resources);
    const reports = await converge(STEPS, ctx, 'apply', { io, control, save: () => store.save(ctx.state) });
    // Everything recorded now carries this id (later reads may trust the record).
    const identityChanged = ctx.state.identity !== ctx.config.stackId;
    ctx.state.identity = ctx.config.stackId;
    // Ids found by name (a lost state file) are recorded even when nothing had to change.
    if (identityChanged || JSON.stringify(ctx.state.resources) !== before) await store.save(ctx.state);
    const legacy = ctx.facts.legacy ?? [];
    if (legacy.length > 0) {
      io.info(
        `Adopted ${legacy.length} resource(s) created before stack ids (this folder's state file records them) and tagged them with stack id ${ctx.config.stackId}: ${legacy.join(', ')}.`,
      );
    }
    const counts = countActions(reports);
    const { userPoolId, clientId, frontend } = ctx.state.resources;
    const notes = reports.flatMap((r) => r.notes);
    io.out('');
    io.out(`Done: ${describeCounts(counts)}.`);
    const { calls, retries } = stack.aws.stats;
    // Retries are normal on a busy account or a flaky network; saying so explains a slow run.
    if (retries > 0)
      io.out(
        `  ${retries} ${retries === 1 ? 'retry' : 'retries'} over ${calls} AWS calls (throttling, network or IAM propagation): all recovered.`,
      );
    for (const line of diffLines(reports)) io.out(line);
    io.out(`  User pool id:  ${userPoolId}`);
    io.out(`  App client id: ${clientId}`);
    if (frontend?.envFile) io.out(`  Frontend env:  ${frontend.envFile}`);
    io.out(`  State file:    ${store.path}`);
    io.out('');
    io.out('Next steps:');
    for (const note of notes) io.out(`  - ${note}`);
    // Runnable as printed: the same config, stage and region flags this run was given.
    const flags = [
      ...(env.global.config !== undefined && env.global.config !== 'otp-setup.config.json' ? ['--config', env.global.config] : []),
      ...(env.global.stage ? ['--stage', env.global.stage] : []),
      ...(env.global.region ? ['--region', env.global.region] : []),
      ...(env.global.profile ? ['--profile', env.global.profile] : []),
    ];
    const quoted = flags.map((f) => (/^[\w@%+=:,./-]+$/.test(f) ? f : `'${f.replace(/'/g, `'\\''`)}'`));
    io.out(
      `  - Try a sign-in: ${cliName(env.deps.env)} test-auth --email you@example.com --create-user${quoted.map((f) => ` ${f}`).join('')}`,
    );
    io.result({
      ok: true,
      command: 'up',
      stack: ctx.names.stackId,
      stackId: ctx.config.stackId,
      ...(legacy.length > 0 ? { adoptedLegacy: legacy } : {}),
      region: ctx.region,
      accountId: ctx.accountId,
      userPoolId,
      clientId,
      envFile: frontend?.envFile,
      counts,
      steps: reports,
      calls: stack.aws.stats.calls,
      retries: stack.aws.stats.retries,
    });
    io.debug(`${stack.aws.stats.calls} AWS calls, ${stack.aws.stats.retries} retries`);
    return 0;
  } finally {
    stop();
    await stack.close();
  }
}
