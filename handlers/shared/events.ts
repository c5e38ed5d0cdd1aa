// Minimal shapes of the Cognito trigger events we read. Handlers take `unknown` and narrow with
// these guards, because a misconfigured pool or client can send anything and a trigger that
// crashes on a surprising event is worse than one that fails the sign-in cleanly.

export type JsonRecord = Record<string, unknown>;

export const CUSTOM_CHALLENGE = 'CUSTOM_CHALLENGE';

export interface SessionEntry {
  challengeName: string;
  /** Only a literal `true` counts as a pass; anything else is treated as a failed round. */
  challengeResult: boolean;
  challengeMetadata: string | undefined;
}

export type TriggerResult<R> = JsonRecord & { response: R };

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function requestOf(event: unknown): JsonRecord | undefined {
  return isRecord(event) && isRecord(event.request) ? event.request : undefined;
}

/**
 * With PreventUserExistenceErrors=ENABLED Cognito runs the triggers for unknown users and says so
 * here (https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pool-managing-errors.html).
 * Anything other than an explicit `false`/absent is treated as "not found":
 * the safe reading of a garbled flag is the one that never issues tokens or sends mail.
 */
export function isUserNotFound(request: JsonRecord): boolean {
  return request.userNotFound !== undefined && request.userNotFound !== false;
}

/** `undefined` when the session is not a well-formed array of challenge results. */
export function readSession(request: JsonRecord): SessionEntry[] | undefined {
  const session = request.session;
  if (!Array.isArray(session)) return undefined;
  const entries: SessionEntry[] = [];
  for (const item of session as unknown[]) {
    if (!isRecord(item) || typeof item.challengeName !== 'string') return undefined;
    entries.push({
      challengeName: item.challengeName,
      challengeResult: item.challengeResult === true,
      challengeMetadata: typeof item.challengeMetadata === 'string' ? item.challengeMetadata : undefined,
    });
  }
  return entries;
}

export function stringAttribute(request: JsonRecord, name: string): string | undefined {
  const attributes = request.userAttributes;
  if (!isRecord(attributes)) return undefined;
  const value = attributes[name];
  return typeof value === 'string' ? value : undefined;
}

/** Cognito reads only `response`; the rest of the event is echoed back as the runtime expects. */
export function withResponse<R>(event: unknown, response: R): TriggerResult<R> {
  return isRecord(event) ? { ...event, response } : { response };
}
