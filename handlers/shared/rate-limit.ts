import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type PutItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import type { Deadline } from './deadline.js';
import { keyedHash, readHmacKey } from './secret.js';
import { ConfigError, integer, type EnvSource } from './settings.js';

/**
 * Limits that hold across sign-in sessions, which Cognito's per-session rounds do not (every
 * InitiateAuth starts a new session and emails a new code), in one DynamoDB table whose items
 * expire through its TTL attribute:
 * - codes emailed per address per window and per day (email bombing, cost), and per day for the
 *   whole pool (the pool must not become a free mailer for arbitrary addresses);
 * - consecutive wrong answers per address: every `maxFailures` of them lock the address for a
 *   lockout that doubles each time, and `failureCeiling` of them (NIST SP 800-63B §5.2.2: at
 *   most 100) lock it until an operator runs `otp-setup unlock`. Only a correct code resets the
 *   count; waiting does not (the counter is remembered for FAILURE_MEMORY_SECONDS).
 * Addresses are stored only as keyed hashes (HMAC with the stack's secret).
 *
 * A limiter that cannot reach its table fails closed: a broken limiter must not become none.
 */
export interface RateLimitSettings {
  table: string;
  /** The stack's secret (OTP_HMAC_KEY): address keys are HMACs under it. */
  key: Buffer;
  codesPerWindow: number;
  windowSeconds: number;
  maxFailures: number;
  lockoutSeconds: number;
  failureCeiling: number;
  codesPerDay: number;
  /** Emails the whole pool may send per UTC day; 0 = no budget. */
  dailyEmailBudget: number;
}

/** The DynamoDB calls we make; a DynamoDBClient satisfies it, and so does a test fake. */
export interface RateStore {
  send(
    command: GetItemCommand | UpdateItemCommand | PutItemCommand | DeleteItemCommand,
    options?: { abortSignal?: AbortSignal },
  ): Promise<unknown>;
}

/** How long a run of wrong answers is remembered after the last one; waiting less resets nothing. */
export const FAILURE_MEMORY_SECONDS = 90 * 86_400;
/** The longest single lockout the doubling reaches before the ceiling takes over. */
export const MAX_LOCKOUT_SECONDS = 7 * 86_400;
const DAY = 86_400;

/** Undefined when RATE_LIMIT_TABLE is unset: rate limiting is off. */
export function readRateLimit(env: EnvSource): RateLimitSettings | undefined {
  const table = env.RATE_LIMIT_TABLE?.trim();
  if (!table) return undefined;
  if (!/^[A-Za-z0-9_.-]{3,255}$/.test(table))
    throw new ConfigError('RATE_LIMIT_TABLE', `RATE_LIMIT_TABLE=${JSON.stringify(table)} is not a table name`);
  const maxFailures = integer(env, 'RATE_LIMIT_FAILURES', 1, 100);
  return {
    table,
    key: readHmacKey(env),
    codesPerWindow: integer(env, 'RATE_LIMIT_CODES', 1, 1000),
    windowSeconds: integer(env, 'RATE_LIMIT_WINDOW_SECONDS', 60, 86_400),
    maxFailures,
    lockoutSeconds: integer(env, 'RATE_LIMIT_LOCKOUT_SECONDS', 60, 86_400),
    failureCeiling: integer(env, 'RATE_LIMIT_FAILURE_CEILING', maxFailures, 100, 100),
    codesPerDay: integer(env, 'RATE_LIMIT_CODES_PER_DAY', 1, 10_000, 20),
    dailyEmailBudget: integer(env, 'RATE_LIMIT_DAILY_EMAILS', 0, 100_000_000, 0),
  };
}

/**
 * Raised when a limit is hit; Cognito shows the caller "CreateAuthChallenge failed with error
 * <message>." (UserLambdaValidationException), so the message carries no final period.
 */
export class RateLimitedError extends Error {
  override readonly name = 'RateLimitedError';
  constructor(
    message: string,
    /** Undefined when waiting does not help (locked until an operator unlocks the address). */
    readonly retryAfterSeconds: number | undefined,
    readonly limit: 'codes' | 'codes-per-day' | 'email-budget' | 'lockout' | 'ceiling',
  ) {
    super(message);
  }
}

/** Usernames are case-insensitive emails: one counter per address, whatever its spelling. */
export function addressKey(key: Buffer, address: string): string {
  return keyedHash(key, 'rate-limit-address-v2', address.trim().toLowerCase()).toString('hex').slice(0, 40);
}

export function failuresKey(key: Buffer, address: string): Record<string, AttributeValue> {
  return { pk: { S: `failures#${addressKey(key, address)}` } };
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

const n = (value: number): AttributeValue => ({ N: String(value) });

export function waitText(seconds: number): string {
  const m = Math.max(1, Math.ceil(seconds / 60));
  if (m < 120) return `${m} minute${m === 1 ? '' : 's'}`;
  const h = Math.ceil(m / 60);
  return `${h} hours`;
}

/** The k-th lockout (k ≥ 1) lasts base · 2^(k−1), at most MAX_LOCKOUT_SECONDS. */
export function lockoutSecondsFor(settings: Pick<RateLimitSettings, 'lockoutSeconds'>, k: number): number {
  return Math.min(MAX_LOCKOUT_SECONDS, settings.lockoutSeconds * 2 ** Math.min(30, Math.max(0, k - 1)));
}

export interface LockState {
  /** Consecutive wrong answers since the last correct one. */
  failures: number;
  /** Seconds left of the current lockout; Infinity past the ceiling; 0 when not locked. */
  lockedFor: number;
}

export type FailureOutcome = 'counted' | 'locked';

/** Tries of the read-decide-write in recordFailure before the answer is refused. */
const MAX_WRITE_ATTEMPTS = 4;

function readFailures(item: Record<string, AttributeValue> | undefined, now: number, ceiling: number): LockState {
  const failures = Number(item?.count?.N ?? 0);
  const lockedUntil = Number(item?.lockedUntil?.N ?? 0);
  const expiresAt = Number(item?.expiresAt?.N ?? Number.POSITIVE_INFINITY);
  // TTL deletion is lazy (it can take days), so an expired item is checked here, not trusted gone.
  if (!item || expiresAt <= now) return { failures: 0, lockedFor: 0 };
  if (failures >= ceiling) return { failures, lockedFor: Number.POSITIVE_INFINITY };
  return { failures, lockedFor: lockedUntil > now ? lockedUntil - now : 0 };
}

// "Not locked" as a condition, evaluated by DynamoDB in the same write that clears the failures,
// so a correct answer cannot slip in between a check and a lockout (check-then-act race). A record
// past its TTL (deletion is lazy) counts as absent; one past the ceiling has no TTL.
const NOT_LOCKED =
  'attribute_not_exists(#count) OR #expiresAt <= :now OR (#count < :ceiling AND (attribute_not_exists(#lockedUntil) OR #lockedUntil <= :now))';
const NAMES = { '#count': 'count', '#lockedUntil': 'lockedUntil' };

export class RateLimiter {
  constructor(
    private readonly store: RateStore,
    private readonly settings: RateLimitSettings,
    private readonly deadline?: Deadline,
  ) {}

  private send(command: GetItemCommand | UpdateItemCommand | PutItemCommand | DeleteItemCommand): Promise<unknown> {
    return this.deadline ? this.deadline.run((abortSignal) => this.store.send(command, { abortSignal })) : this.store.send(command);
  }

  private key(address: string): string {
    return addressKey(this.settings.key, address);
  }

  /** Adds one to a counter that expires at `expiresAt`, unless it already reached `max`. */
  private async count(pk: string, max: number, expiresAt: number): Promise<boolean> {
    try {
      await this.send(
        new UpdateItemCommand({
          TableName: this.settings.table,
          Key: { pk: { S: pk } },
          UpdateExpression: 'ADD #count :one SET #expiresAt = :expiresAt',
          ConditionExpression: 'attribute_not_exists(#count) OR #count < :max',
          ExpressionAttributeNames: { '#count': 'count', '#expiresAt': 'expiresAt' },
          ExpressionAttributeValues: { ':one': n(1), ':max': n(max), ':expiresAt': n(expiresAt) },
        }),
      );
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return false;
    }
  }

  /** Counts one emailed code in the current fixed window; throws when the window is full. */
  async consumeCode(address: string, nowMs: number): Promise<void> {
    const { codesPerWindow, windowSeconds } = this.settings;
    const now = Math.floor(nowMs / 1000);
    const windowEnd = (Math.floor(now / windowSeconds) + 1) * windowSeconds;
    if (!(await this.count(`codes#${this.key(address)}#${windowEnd}`, codesPerWindow, windowEnd))) {
      throw new RateLimitedError(
        `Too many sign-in codes requested for this address. Try again in ${waitText(windowEnd - now)}`,
        windowEnd - now,
        'codes',
      );
    }
  }

  /** Counts one code against the address's daily cap (UTC days). */
  async consumeDailyCode(address: string, nowMs: number): Promise<void> {
    const now = Math.floor(nowMs / 1000);
    const dayEnd = (Math.floor(now / DAY) + 1) * DAY;
    if (!(await this.count(`codesday#${this.key(address)}#${dayEnd}`, this.settings.codesPerDay, dayEnd))) {
      throw new RateLimitedError(
        `Too many sign-in codes requested for this address today. Try again in ${waitText(dayEnd - now)}`,
        dayEnd - now,
        'codes-per-day',
      );
    }
  }

  /** Counts one email against the pool-wide daily budget (UTC days); fails closed when spent. */
  async consumeEmailBudget(nowMs: number): Promise<void> {
    const budget = this.settings.dailyEmailBudget;
    if (budget <= 0) return;
    const now = Math.floor(nowMs / 1000);
    const dayEnd = (Math.floor(now / DAY) + 1) * DAY;
    if (!(await this.count(`budget#${dayEnd}`, budget, dayEnd))) {
      throw new RateLimitedError(
        'Sign-in codes are paused: the service has sent its email limit for today. Try again later',
        dayEnd - now,
        'email-budget',
      );
    }
  }

  async lockState(address: string, nowMs: number): Promise<LockState> {
    const out = (await this.send(
      new GetItemCommand({ TableName: this.settings.table, Key: { pk: { S: `failures#${this.key(address)}` } }, ConsistentRead: true }),
    )) as { Item?: Record<string, AttributeValue> };
    return readFailures(out.Item, Math.floor(nowMs / 1000), this.settings.failureCeiling);
  }

  /** Seconds left of a lockout (Infinity past the ceiling), or 0. */
  async lockedFor(address: string, nowMs: number): Promise<number> {
    return (await this.lockState(address, nowMs)).lockedFor;
  }

  async assertNotLocked(address: string, nowMs: number): Promise<void> {
    const seconds = await this.lockedFor(address, nowMs);
    if (seconds === Number.POSITIVE_INFINITY) {
      throw new RateLimitedError(
        'Too many wrong codes for this address: sign-in is locked until an administrator unlocks it',
        undefined,
        'ceiling',
      );
    }
    if (seconds > 0)
      throw new RateLimitedError(`Too many wrong codes for this address. Try again in ${waitText(seconds)}`, seconds, 'lockout');
  }

  /**
   * Counts a wrong answer, unless the address is locked (then nothing is counted and the answer
   * is refused whatever it was). Every maxFailures-th failure starts the next, doubled, lockout;
   * the ceiling-th makes it permanent (no TTL: only `otp-setup unlock` clears it).
   *
   * Read, decide, then write conditioned on the revision read (optimistic concurrency): the count
   * and the lockout it triggers land in one write, so parallel wrong answers cannot slip past a
   * lockout that has not been written yet. A write that keeps losing the race refuses the answer.
   */
  async recordFailure(address: string, nowMs: number): Promise<FailureOutcome> {
    const { table, maxFailures, failureCeiling } = this.settings;
    const now = Math.floor(nowMs / 1000);
    const Key = { pk: { S: `failures#${this.key(address)}` } };
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const out = (await this.send(new GetItemCommand({ TableName: table, Key, ConsistentRead: true }))) as {
        Item?: Record<string, AttributeValue>;
      };
      const item = out.Item;
      const state = readFailures(item, now, failureCeiling);
      if (state.lockedFor > 0) return 'locked';
      const count = state.failures + 1;
      const lockedUntil =
        count >= failureCeiling
          ? Number.MAX_SAFE_INTEGER
          : count % maxFailures === 0
            ? now + lockoutSecondsFor(this.settings, count / maxFailures)
            : undefined;
      const Item: Record<string, AttributeValue> = {
        ...Key,
        count: n(count),
        rev: { S: randomUUID() },
        ...(lockedUntil !== undefined ? { lockedUntil: n(lockedUntil) } : {}),
        // Past the ceiling the record has no TTL: it stays until an operator unlocks the address.
        ...(count >= failureCeiling ? {} : { expiresAt: n(Math.max(lockedUntil ?? 0, now + FAILURE_MEMORY_SECONDS)) }),
      };
      const rev = item?.rev;
      const condition: Pick<PutItemCommandInput, 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'> = !item
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : rev
          ? { ConditionExpression: '#rev = :rev', ExpressionAttributeNames: { '#rev': 'rev' }, ExpressionAttributeValues: { ':rev': rev } }
          : // A record written by an older version of this handler (no revision).
            {
              ConditionExpression: 'attribute_not_exists(#rev) AND #count = :count',
              ExpressionAttributeNames: { '#rev': 'rev', '#count': 'count' },
              ExpressionAttributeValues: { ':count': item.count ?? n(0) },
            };
      try {
        await this.send(new PutItemCommand({ TableName: table, Item, ...condition }));
        return 'counted';
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    return 'locked';
  }

  /**
   * A correct answer: clears the run of failures, in the same conditional write that checks the
   * address is not locked. 'locked' means the answer must be refused.
   */
  async recordSuccess(address: string, nowMs: number): Promise<'cleared' | 'locked'> {
    const now = Math.floor(nowMs / 1000);
    try {
      await this.send(
        new DeleteItemCommand({
          TableName: this.settings.table,
          Key: { pk: { S: `failures#${this.key(address)}` } },
          ConditionExpression: NOT_LOCKED,
          ExpressionAttributeNames: { ...NAMES, '#expiresAt': 'expiresAt' },
          ExpressionAttributeValues: { ':now': n(now), ':ceiling': n(this.settings.failureCeiling) },
        }),
      );
      return 'cleared';
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return 'locked';
    }
  }

  /** An operator's unlock: forgets the run of failures and any lockout, ceiling included. */
  async clearFailures(address: string): Promise<void> {
    await this.send(new DeleteItemCommand({ TableName: this.settings.table, Key: { pk: { S: `failures#${this.key(address)}` } } }));
  }
}
