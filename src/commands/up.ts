import { resolve } from 'node:path';
import { RESERVED_SENDER_DOMAIN } from '../config/patterns.js';
import { usageError } from '../core/errors.js';
import { converge } from '../core/runner.js';
import { preflightEnvFile } from '../frontend/env-file.js';
import { assertOutputsFileWritable } from '../frontend/outputs-file.js';
import { STEPS } from '../steps/index.js';
import type { CommandEnv } from './deps.js';
import { watchInterrupts } from './interrupts.js';
import { openStack } from './stack-context.js';
import { countActions, describeCounts, diffLines } from './summary.js';

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
  const stack = await openStack(env, { lockFor: 'up', buildHandlers: true, preloadStepClients: true, adopt: options.adopt, allowReplace: options.allowReplace });
  const { ctx, store } = stack;
  const { control, stop } = watchInterrupts(env);
  try {
    io.info(`otp-setup up · stack ${ctx.names.stackId} · ${ctx.region} · account ${ctx.accountId}`);
    refusePlaceholderSender(ctx.config.email.from, stack.loaded.path);
    // The .env is written last: an unreadable or read-only one (or a device) must stop the run before any AWS write, not after.
    if (ctx.config.frontend.envFile !== false) await preflightEnvFile(resolve(ctx.configDir, ctx.config.frontend.envFile));
    if (ctx.config.frontend.outputsFile !== undefined) await assertOutputsFileWritable(resolve(ctx.configDir, ctx.config.frontend.outputsFile));
    const before = JSON.stringify(ctx.state.resources);
    const reports = await converge(STEPS, ctx, 'apply', { io, control, save: () => store.save(ctx.state) });
    // Ids found by name (a lost state file) are recorded even when nothing had to change.
    if (JSON.stringify(ctx.state.resources) !== before) await store.save(ctx.state);
    const counts = countActions(reports);
    const { userPoolId, clientId, frontend } = ctx.state.resources;
    const notes = reports.flatMap((r) => r.notes);
    io.out('');
    io.out(`Done: ${describeCounts(counts)}.`);
    const { calls, retries } = stack.aws.stats;
    // Retries are normal on a busy account or a flaky network; saying so explains a slow run.
    if (retries > 0) io.out(`  ${retries} ${retries === 1 ? 'retry' : 'retries'} over ${calls} AWS calls (throttling, network or IAM propagation): all recovered.`);
    for (const line of diffLines(reports)) io.out(line);
    io.out(`  User pool id:  ${userPoolId}`);
    io.out(`  App client id: ${clientId}`);
    if (frontend?.envFile) io.out(`  Frontend env:  ${frontend.envFile}`);
    io.out(`  State file:    ${store.path}`);
    io.out('');
    io.out('Next steps:');
    for (const note of notes) io.out(`  - ${note}`);
    io.out(`  - Try a sign-in: otp-setup test-auth --email you@example.com${ctx.config.stage ? ` --stage ${ctx.config.stage}` : ''}`);
    io.result({
      ok: true,
      command: 'up',
      stack: ctx.names.stackId,
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
