import { resolve } from 'node:path';
import { DEFAULT_CONFIG_FILE, loadConfig, parseConfig } from '../config/load-config.js';
import type { Config } from '../config/schema.js';
import { OtpError, usageError } from '../core/errors.js';
import { envEntries } from '../frontend/env-keys.js';
import { borrowEnvFile, returnEnvFile } from '../frontend/sandbox-env.js';
import type { ReleaseOutcome } from '../frontend/env-records.js';
import type { StoredMail } from '../sandbox/sandbox-store.js';
import type { CommandEnv } from './deps.js';
import { buildStackHandlers, configPath, resolveRegion } from './stack-context.js';

export interface SandboxOptions {
  port?: string;
  host?: string;
  /** commander's --no-env */
  env?: boolean;
}

const DEFAULT_SANDBOX_PORT = 8787;

function parsePort(value: string | undefined): number {
  if (value === undefined) return DEFAULT_SANDBOX_PORT;
  const port = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(port) || port > 65_535)
    throw usageError('INVALID_PORT', `--port ${value} is not a port number.`, 'Use a number from 1 to 65535, or 0 for any free port.');
  return port;
}

/** A placeholder sender: the sandbox catches every email, so nothing is ever sent from it. */
export const SANDBOX_PLACEHOLDER_SENDER = 'noreply@example.com';

/**
 * The project's config, or — in a folder without one, and no --config given — the defaults with
 * a placeholder sender, so `npx otp-setup sandbox` in an empty folder is the whole demo.
 */
async function sandboxConfig(env: CommandEnv): Promise<{ config: Config; dir: string; defaults: boolean }> {
  const overrides = { stage: env.global.stage, region: env.global.region };
  try {
    return { ...(await loadConfig(configPath(env), overrides)), defaults: false };
  } catch (err) {
    // Only the default file may be absent (commander fills --config in with it); a path the user
    // named must exist.
    const named = env.global.config !== undefined && env.global.config !== DEFAULT_CONFIG_FILE;
    if (!(err instanceof OtpError && err.code === 'CONFIG_NOT_FOUND') || named) throw err;
    const raw: Record<string, unknown> = { email: { from: SANDBOX_PLACEHOLDER_SENDER } };
    for (const [key, value] of Object.entries(overrides)) if (value !== undefined) raw[key] = value;
    return { config: parseConfig(raw, 'the sandbox defaults'), dir: env.deps.cwd, defaults: true };
  }
}

function describeReturn(path: string, out: ReleaseOutcome): string {
  const parts: string[] = [];
  if (out.restored.length > 0) parts.push(`restored your ${out.restored.join(', ')}`);
  if (out.handedOver.length > 0) parts.push(`set ${out.handedOver.join(', ')} back to the deployed stack's values`);
  if (out.removed.length > 0) parts.push(`removed the sandbox's ${out.removed.join(', ')}`);
  if (out.kept.length > 0) parts.push(`left ${out.kept.join(', ')} (changed while the sandbox ran)`);
  return parts.length > 0 ? `${parts.join('; ')} in ${path}` : `${path} unchanged`;
}

export async function sandboxCommand(env: CommandEnv, options: SandboxOptions): Promise<number> {
  const { io } = env;
  const port = parsePort(options.port);
  const { config, dir, defaults } = await sandboxConfig(env);
  const region = await resolveRegion(env, config);
  const handlers = await buildStackHandlers(config, dir);
  const { startSandboxServer } = await import('../sandbox/sandbox-server.js');

  let mails = 0;
  // The sandbox prints codes on purpose: it is a local development tool and this is its contract.
  const showMail = (mail: StoredMail) => {
    mails += 1;
    if (io.face === 'json') {
      io.result({ event: 'mail', to: mail.to, subject: mail.subject, code: mail.code, at: mail.at });
      return;
    }
    io.out(`✉  ${mail.at}  to ${mail.to}: ${mail.subject}`);
    io.out(`   code: ${mail.code ?? '(none found)'}`);
  };
  const server = await startSandboxServer({
    configDir: dir,
    config,
    port,
    ...(options.host ? { host: options.host } : {}),
    region,
    handlers,
    onMail: showMail,
    onLog: (kind, line) => io.debug(`[${kind}] ${line}`),
  });

  let envFile: string | undefined;
  try {
    if (options.env !== false && config.frontend.envFile !== false) {
      envFile = resolve(dir, config.frontend.envFile);
      const entries = envEntries(config.frontend, {
        region,
        userPoolId: server.userPoolId,
        clientId: server.clientId,
        endpoint: server.url,
      });
      await borrowEnvFile(dir, envFile, entries);
    }
  } catch (err) {
    await server.close();
    throw err;
  }

  io.out(`otp-setup sandbox · ${server.url}`);
  io.out(`  Sign-in page:  ${server.url}/  (try it: enter an email, the code shows up beside it)`);
  io.out(`  User pool id:  ${server.userPoolId}`);
  io.out(`  App client id: ${server.clientId}`);
  io.out(`  Mailbox:       ${server.url}/_sandbox  (JSON: ${server.url}/_sandbox/mailbox/latest?email=…)`);
  if (defaults)
    io.out(
      `  Settings:      defaults (no ${configPath(env)}; sender ${SANDBOX_PLACEHOLDER_SENDER}, a placeholder: the sandbox sends no real email)`,
    );
  if (server.exposed) {
    io.warn(
      `Listening on ${options.host}, beyond this machine: anyone who can reach it can read sign-in codes from the mailbox and sign in as any sandbox user. Leave out --host to listen on 127.0.0.1 only.`,
    );
  } else {
    io.out('  Listening on loopback only (use --host to listen elsewhere).');
  }
  if (envFile) io.out(`  Frontend env:  ${envFile} (points at the sandbox until it stops; then your own lines come back)`);
  io.out('Sign-in emails appear below. Press Ctrl-C to stop.');
  io.result({
    ok: true,
    command: 'sandbox',
    event: 'ready',
    url: server.url,
    port: server.port,
    exposed: server.exposed,
    defaults,
    region,
    userPoolId: server.userPoolId,
    clientId: server.clientId,
    issuer: server.issuer,
    envFile,
    handlers: server.handlerShas,
  });

  await new Promise<void>((done) => {
    const off = env.deps.onInterrupt(() => {
      off();
      done();
    });
  });
  await server.close();
  if (envFile) {
    const given = await returnEnvFile(dir, envFile);
    if (given) io.info(`Frontend env: ${describeReturn(envFile, given)}`);
  }
  io.info('Sandbox stopped; users and sessions are kept for the next start.');
  io.result({ ok: true, command: 'sandbox', event: 'stopped', mails });
  return 0;
}
