import { usageError } from '../core/errors.js';
import { parseSince, readHandlerEvents, type HandlerLogEvent } from '../doctor/log-events.js';
import { FUNCTION_KINDS, type FunctionKind } from '../config/function-kinds.js';
import type { CommandEnv } from './deps.js';
import { openStack } from './stack-context.js';

export interface LogsOptions {
  follow?: boolean;
  function?: string;
  since?: string;
}

/** Short names, as the guide's troubleshooting section talks about them. */
const SHORT: Record<string, FunctionKind> = {
  define: 'define-auth-challenge',
  create: 'create-auth-challenge',
  verify: 'verify-auth-challenge',
  'pre-sign-up': 'pre-sign-up',
};

const POLL_MS = 2_000;

function kindsFor(value: string | undefined): FunctionKind[] {
  if (value === undefined) return [...FUNCTION_KINDS];
  const kind = SHORT[value] ?? FUNCTION_KINDS.find((k) => k === value);
  if (!kind)
    throw usageError(
      'INVALID_FUNCTION',
      `--function ${value} is not one of the sign-in functions.`,
      `Use one of: ${Object.keys(SHORT).join(', ')}.`,
    );
  return [kind];
}

function formatEvent(e: HandlerLogEvent, names: Record<FunctionKind, string>): string {
  const time = new Date(e.timestamp).toISOString().replace('T', ' ').slice(0, 19);
  const r = e.record;
  if (r && typeof r.msg === 'string') {
    const rest = Object.entries(r).filter(([k]) => !['level', 'fn', 'msg'].includes(k));
    return `${time} ${names[e.kind]} ${(typeof r.level === 'string' ? r.level : '')
      .toUpperCase()
      .padEnd(5)} ${r.msg}${rest.length ? ` ${JSON.stringify(Object.fromEntries(rest))}` : ''}`;
  }
  return `${time} ${names[e.kind]} ${e.message}`;
}

/** The guide's `aws logs tail --follow`, for the sign-in functions, by FilterLogEvents polling. */
export async function logsCommand(env: CommandEnv, options: LogsOptions): Promise<number> {
  const { io, deps } = env;
  const kinds = kindsFor(options.function);
  const sinceMs = parseSince(options.since ?? '10m');
  const stack = await openStack(env);
  let stopped = false;
  let wake: (() => void) | undefined;
  const removeListener = deps.onInterrupt(() => {
    stopped = true;
    wake?.();
  });
  const seen = new Set<string>();
  const printed: HandlerLogEvent[] = [];
  try {
    const { ctx } = stack;
    let startTime = deps.now().getTime() - sinceMs;
    if (options.follow) io.info(`Following ${kinds.map((k) => ctx.names.functions[k]).join(', ')} (Ctrl-C stops)`);
    do {
      const events = await readHandlerEvents(ctx, { kinds, startTime });
      for (const e of events) {
        if (seen.has(e.eventId)) continue;
        seen.add(e.eventId);
        printed.push(e);
        io.out(formatEvent(e, ctx.names.functions));
        // Events can arrive late; re-read from the newest one seen, skipping duplicates by id.
        startTime = Math.max(startTime, e.timestamp);
      }
      if (!options.follow || stopped) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, POLL_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    } while (!stopped);
    if (!options.follow && printed.length === 0) io.info(`No log lines in the last ${options.since ?? '10m'}.`);
    io.result({
      ok: true,
      command: 'logs',
      functions: kinds.map((k) => ctx.names.functions[k]),
      events: printed.map((e) => ({
        function: ctx.names.functions[e.kind],
        timestamp: e.timestamp,
        message: e.message,
        ...(e.level ? { level: e.level } : {}),
      })),
    });
    return 0;
  } finally {
    removeListener();
    await stack.close();
  }
}
