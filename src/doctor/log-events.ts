import type { FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { awsErrorName, isNotFound, toUserError } from '../aws/aws-errors.js';
import { usageError } from '../core/errors.js';
import type { StepContext } from '../core/step.js';
import type { FunctionKind } from '../config/function-kinds.js';
import { logGroupName } from '../steps/log-groups-step.js';
import { sdk } from '../aws/sdk.js';

export interface HandlerLogEvent {
  kind: FunctionKind;
  eventId: string;
  timestamp: number;
  message: string;
  /** The handler's JSON line ({"level":..., "fn":..., "msg":...}) when the message holds one. */
  record?: Record<string, unknown>;
  level?: string;
}

const SINCE = /^(\d+)\s*(s|m|h|d)$/;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "10m", "2h", "1d" → milliseconds, like `aws logs tail --since`. */
export function parseSince(value: string): number {
  const m = SINCE.exec(value.trim());
  const amount = m ? Number(m[1]) : NaN;
  if (!m || !(amount > 0) || amount * UNIT_MS[m[2] as keyof typeof UNIT_MS] > 30 * UNIT_MS.d * 12 * 10) {
    throw usageError('INVALID_SINCE', `--since ${value} is not a duration.`, 'Use a number and a unit: 30s, 10m, 2h or 1d.');
  }
  return amount * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

/**
 * Lambda prefixes each console line ("<time>\t<request id>\tERROR\t{...}") and, with JSON log
 * format, wraps it; the handlers' own record is the first JSON object in the message.
 */
export function parseRecord(message: string): Record<string, unknown> | undefined {
  const start = message.indexOf('{');
  if (start < 0) return undefined;
  try {
    const value: unknown = JSON.parse(message.slice(start).trim());
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    const record = value as Record<string, unknown>;
    // JSON log format: the runtime's envelope carries our line as "message".
    if (typeof record.message === 'string') return parseRecord(record.message) ?? record;
    return record;
  } catch {
    return undefined;
  }
}

/** Our error lines, and the runtime's own failures (timeouts, crashes) that never reach our logger. */
export function isErrorEvent(e: HandlerLogEvent): boolean {
  if (e.level !== undefined) return e.level.toLowerCase() === 'error';
  return /Task timed out|Runtime\.\w+Error|\tERROR\t|Invoke Error/.test(e.message);
}

export interface ReadOptions {
  kinds: readonly FunctionKind[];
  startTime: number;
  endTime?: number;
  /** CloudWatch filter pattern; matched loosely, so callers still check each event. */
  filterPattern?: string;
  limit?: number;
}

/** FilterLogEvents over the functions' log groups (a missing group is no events), oldest first. */
export async function readHandlerEvents(ctx: StepContext, options: ReadOptions): Promise<HandlerLogEvent[]> {
  const logs = await ctx.aws.logs();
  const { FilterLogEventsCommand } = sdk('@aws-sdk/client-cloudwatch-logs');
  const perGroup = await Promise.all(
    options.kinds.map(async (kind) => {
      const group = logGroupName(ctx, kind);
      const events: FilteredLogEvent[] = [];
      let nextToken: string | undefined;
      try {
        do {
          const out = await logs.send(
            new FilterLogEventsCommand({
              logGroupName: group,
              startTime: options.startTime,
              ...(options.endTime !== undefined ? { endTime: options.endTime } : {}),
              ...(options.filterPattern ? { filterPattern: options.filterPattern } : {}),
              ...(nextToken ? { nextToken } : {}),
            }),
          );
          events.push(...(out.events ?? []));
          nextToken = out.nextToken;
        } while (nextToken && events.length < (options.limit ?? 10_000));
      } catch (err) {
        if (isNotFound(err) || awsErrorName(err) === 'ResourceNotFoundException') return [];
        throw toUserError(err, 'logs:FilterLogEvents', group);
      }
      return events.map((e): HandlerLogEvent => {
        const message = (e.message ?? '').trimEnd();
        const record = parseRecord(message);
        const level = typeof record?.level === 'string' ? record.level : undefined;
        return {
          kind,
          eventId: e.eventId ?? `${e.logStreamName}:${e.timestamp}:${message}`,
          timestamp: e.timestamp ?? 0,
          message,
          ...(record ? { record } : {}),
          ...(level ? { level } : {}),
        };
      });
    }),
  );
  return perGroup.flat().sort((a, b) => a.timestamp - b.timestamp);
}
