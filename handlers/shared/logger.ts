// One JSON object per line, so CloudWatch Logs Insights can filter on `level` and `fn`.
// Fields are restricted to primitives: nobody can hand the whole Cognito event to the logger,
// and keys that could carry the code are dropped as a second line of defence: the event's
// privateChallengeParameters and challengeMetadata hold it, and log groups keep lines for ever by default.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export type LogValue = string | number | boolean | null | undefined;
export type LogFields = Readonly<Record<string, LogValue>>;
export type LogSink = (level: LogLevel, line: string) => void;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

const FORBIDDEN_KEYS = new Set([
  'code',
  'answer',
  'otp',
  'challengeanswer',
  'challengemetadata',
  'privatechallengeparameters',
  'event',
  'salt',
  'digest',
  'key',
  'secret',
  'otp_hmac_key',
]);

// The Lambda Node.js runtime maps console methods to log levels (advanced logging controls),
// so each level goes through its own console method.
export const consoleSink: LogSink = (level, line) => {
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else if (level === 'debug') console.debug(line);
  else console.info(line);
};

export function createLogger(fn: string, level: LogLevel, sink: LogSink = consoleSink): Logger {
  const emit = (lvl: LogLevel, msg: string, fields?: LogFields): void => {
    if (RANK[lvl] < RANK[level]) return;
    const record: Record<string, LogValue> = { level: lvl, fn, msg };
    if (fields) {
      for (const [key, value] of Object.entries(fields)) {
        if (FORBIDDEN_KEYS.has(key.toLowerCase()) || key in record) continue;
        record[key] = value;
      }
    }
    sink(lvl, JSON.stringify(record));
  };
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
  };
}
