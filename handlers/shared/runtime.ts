import { createLogger, type LogSink, type Logger } from './logger.js';
import { ConfigError, readLogLevel, type EnvSource } from './settings.js';

export interface Prepared<S> {
  log: Logger;
  settings: S;
}

/**
 * Reads settings at invocation time (not at import) so a misconfiguration shows up as one clear
 * error line next to the failed sign-in, then rethrows so Cognito fails the request.
 */
export function prepare<S>(fn: string, env: EnvSource, sink: LogSink | undefined, read: (env: EnvSource) => S): Prepared<S> {
  let log: Logger;
  try {
    log = createLogger(fn, readLogLevel(env), sink);
  } catch (error) {
    reportMisconfiguration(createLogger(fn, 'info', sink), error);
    throw error;
  }
  try {
    return { log, settings: read(env) };
  } catch (error) {
    reportMisconfiguration(log, error);
    throw error;
  }
}

function reportMisconfiguration(log: Logger, error: unknown): void {
  if (error instanceof ConfigError) {
    log.error('misconfigured: fix the function environment (re-run `otp-setup up`)', {
      variable: error.variable,
      reason: error.message,
    });
  } else {
    log.error('could not read settings', { reason: error instanceof Error ? error.message : String(error) });
  }
}
