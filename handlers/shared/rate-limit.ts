import { createHash } from 'node:crypto';
import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { ConfigError, type EnvSource } from './settings.js';

/**
 * Limits that hold across sign-in sessions, which Cognito's per-session rounds do not (pitfalls
 * 4 and 5): codes emailed per address per window (email bombing, cost), and consecutive wrong
 * answers per address before a lockout (guessing across sessions). One DynamoDB table, items
 * expire through its TTL attribute. Addresses are stored only as hashes.
 *
 * A limiter that cannot reach its table fails closed: a broken limiter must not become none.
 */
export interface RateLimitSettings {
  table: string;
  codesPerWindow: number;
  windowSeconds: number;
  maxFailures: number;
  lockoutSeconds: number;
}

/** The DynamoDB calls we make; a DynamoDBClient satisfies it, and so does a test fake. */
export interface RateStore {
  send(command: GetItemCommand | UpdateItemCommand | PutItemCommand | DeleteItemCommand): Promise<unknown>;
}

function intFrom(env: EnvSource, name: string, min: number, max: number): number {
  const value = env[name]?.trim();
  const n = value && /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(name, `${name}=${JSON.stringify(value ?? '')} is invalid: expected an integer from ${min} to ${max}`);
  }
  return n;
}

/** Undefined when RATE_LIMIT_TABLE is unset: rate limiting is off. */
export function readRateLimit(env: EnvSource): RateLimitSettings | undefined {
  const table = env.RATE_LIMIT_TABLE?.trim();
  if (!table) return undefined;
  if (!/^[A-Za-z0-9_.-]{3,255}$/.test(table)) throw new ConfigError('RATE_LIMIT_TABLE', `RATE_LIMIT_TABLE=${JSON.stringify(table)} is not a table name`);
  return {
    table,
    codesPerWindow: intFrom(env, 'RATE_LIMIT_CODES', 1, 1000),
    windowSeconds: intFrom(env, 'RATE_LIMIT_WINDOW_SECONDS', 60, 86_400),
    maxFailures: intFrom(env, 'RATE_LIMIT_FAILURES', 1, 100),
    lockoutSeconds: intFrom(env, 'RATE_LIMIT_LOCKOUT_SECONDS', 60, 86_400),
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
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** Usernames are case-insensitive emails: one counter per address, whatever its spelling. */
export function addressKey(address: string): string {
  return createHash('sha256').update(address.trim().toLowerCase()).digest('hex').slice(0, 40);
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

const n = (value: number): AttributeValue => ({ N: String(value) });

function minutes(seconds: number): string {
  const m = Math.max(1, Math.ceil(seconds / 60));
  return `${m} minute${m === 1 ? '' : 's'}`;
}

export class RateLimiter {
  constructor(
    private readonly store: RateStore,
    private readonly settings: RateLimitSettings,
  ) {}

  /** Counts one emailed code in the current fixed window; throws when the window is full. */
  async consumeCode(address: string, nowMs: number): Promise<void> {
    const { table, codesPerWindow, windowSeconds } = this.settings;
    const now = Math.floor(nowMs / 1000);
    const windowEnd = (Math.floor(now / windowSeconds) + 1) * windowSeconds;
    try {
      await this.store.send(
        new UpdateItemCommand({
          TableName: table,
          Key: { pk: { S: `codes#${addressKey(address)}#${windowEnd}` } },
          UpdateExpression: 'ADD #count :one SET #expiresAt = :expiresAt',
          ConditionExpression: 'attribute_not_exists(#count) OR #count < :max',
          ExpressionAttributeNames: { '#count': 'count', '#expiresAt': 'expiresAt' },
          ExpressionAttributeValues: { ':one': n(1), ':max': n(codesPerWindow), ':expiresAt': n(windowEnd) },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      throw new RateLimitedError(`Too many sign-in codes requested for this address. Try again in ${minutes(windowEnd - now)}`, windowEnd - now);
    }
  }

  /** Seconds left of a lockout after too many consecutive wrong codes, or 0. */
  async lockedFor(address: string, nowMs: number): Promise<number> {
    const out = (await this.store.send(
      new GetItemCommand({ TableName: this.settings.table, Key: { pk: { S: `failures#${addressKey(address)}` } }, ConsistentRead: true }),
    )) as { Item?: Record<string, AttributeValue> };
    const count = Number(out.Item?.count?.N ?? 0);
    const expiresAt = Number(out.Item?.expiresAt?.N ?? 0);
    const now = Math.floor(nowMs / 1000);
    // TTL deletion is lazy (it can take days), so an expired item is checked here, not trusted gone.
    return count >= this.settings.maxFailures && expiresAt > now ? expiresAt - now : 0;
  }

  async assertNotLocked(address: string, nowMs: number): Promise<void> {
    const seconds = await this.lockedFor(address, nowMs);
    if (seconds > 0) throw new RateLimitedError(`Too many wrong codes for this address. Try again in ${minutes(seconds)}`, seconds);
  }

  /** Counts a wrong answer; each one extends the lockout window (consecutive failures). */
  async recordFailure(address: string, nowMs: number): Promise<void> {
    const { table, lockoutSeconds } = this.settings;
    const now = Math.floor(nowMs / 1000);
    const Key = { pk: { S: `failures#${addressKey(address)}` } };
    try {
      await this.store.send(
        new UpdateItemCommand({
          TableName: table,
          Key,
          UpdateExpression: 'ADD #count :one SET #expiresAt = :expiresAt',
          ConditionExpression: 'attribute_not_exists(#count) OR #expiresAt > :now',
          ExpressionAttributeNames: { '#count': 'count', '#expiresAt': 'expiresAt' },
          ExpressionAttributeValues: { ':one': n(1), ':now': n(now), ':expiresAt': n(now + lockoutSeconds) },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // The previous run of failures expired but TTL has not removed it yet: start over.
      await this.store.send(new PutItemCommand({ TableName: table, Item: { ...Key, count: n(1), expiresAt: n(now + lockoutSeconds) } }));
    }
  }

  async clearFailures(address: string): Promise<void> {
    await this.store.send(new DeleteItemCommand({ TableName: this.settings.table, Key: { pk: { S: `failures#${addressKey(address)}` } } }));
  }
}
