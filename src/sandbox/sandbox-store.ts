import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../core/atomic-file.js';
import { OtpError } from '../core/errors.js';
import { newClientId, newOpaqueToken, newUserPoolId } from './ids.js';

const userSchema = z.object({
  username: z.string(),
  attributes: z.record(z.string(), z.string()),
  status: z.enum(['UNCONFIRMED', 'CONFIRMED', 'FORCE_CHANGE_PASSWORD']),
  enabled: z.boolean(),
  createdAt: z.number(),
  updatedAt: z.number(),
});

const roundSchema = z.object({
  challengeName: z.string(),
  challengeResult: z.boolean(),
  challengeMetadata: z.string().optional(),
});

const sessionSchema = z.object({
  clientId: z.string(),
  /** The internal username, or what the caller typed when no such user exists. */
  username: z.string(),
  typed: z.string(),
  userNotFound: z.boolean(),
  rounds: z.array(roundSchema),
  challengeName: z.string(),
  publicParameters: z.record(z.string(), z.string()),
  privateParameters: z.record(z.string(), z.string()),
  challengeMetadata: z.string().optional(),
  expiresAt: z.number(),
});

const refreshSchema = z.object({
  clientId: z.string(),
  username: z.string(),
  originJti: z.string(),
  authTime: z.number(),
  expiresAt: z.number(),
});

const mailSchema = z.object({
  to: z.string(),
  from: z.string(),
  subject: z.string(),
  text: z.string(),
  html: z.string(),
  code: z.string().optional(),
  messageId: z.string(),
  at: z.string(),
});

const stateSchema = z.object({
  version: z.literal(1),
  region: z.string(),
  userPoolId: z.string(),
  clientId: z.string(),
  /** Keys the stand-in usernames of unknown users (see custom-auth.ts). */
  pseudonymSecret: z.string(),
  users: z.record(z.string(), userSchema),
  /** Keyed by the sha256 of the session token: the file does not hold usable sessions. */
  sessions: z.record(z.string(), sessionSchema),
  refreshTokens: z.record(z.string(), refreshSchema),
  /** origin_jti of revoked sign-ins → when their longest-lived token expires anyway. */
  revokedOrigins: z.record(z.string(), z.number()),
  mails: z.array(mailSchema),
  /** The handlers' DynamoDB tables (the rate limiter's), by table name and key. */
  tables: z.record(z.string(), z.record(z.string(), z.record(z.string(), z.record(z.string(), z.unknown())))).default({}),
});

export type SandboxUser = z.infer<typeof userSchema>;
export type SessionRound = z.infer<typeof roundSchema>;
export type AuthSession = z.infer<typeof sessionSchema>;
export type RefreshRecord = z.infer<typeof refreshSchema>;
export type StoredMail = z.infer<typeof mailSchema>;
export type SandboxState = z.infer<typeof stateSchema>;

const MAX_MAILS = 200;

/**
 * Users, sessions and tokens of one sandbox pool, written after every change (temp file +
 * rename) so that a restart keeps sign-ins going, like a real pool would.
 */
export class SandboxStore {
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    readonly state: SandboxState,
  ) {}

  static async open(dir: string, region: string): Promise<SandboxStore> {
    const path = join(dir, 'state.json');
    let text: string | undefined;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (text === undefined) {
      const store = new SandboxStore(path, {
        version: 1,
        region,
        userPoolId: newUserPoolId(region),
        clientId: newClientId(),
        pseudonymSecret: newOpaqueToken(32),
        users: {},
        sessions: {},
        refreshTokens: {},
        revokedOrigins: {},
        mails: [],
        tables: {},
      });
      await store.save();
      return store;
    }
    let parsed: SandboxState;
    try {
      parsed = stateSchema.parse(JSON.parse(text));
    } catch (err) {
      throw new OtpError('SANDBOX_STATE_CORRUPT', `The sandbox state ${path} is corrupt: ${(err as Error).message}`, {
        cause: err,
        resolution: `Move it aside (mv "${path}" "${path}.bad"); the sandbox then starts with a new, empty pool.`,
      });
    }
    // The pool id carries the region, as a real one does; a new region is a new pool.
    if (parsed.region !== region) {
      parsed = { ...parsed, region, userPoolId: newUserPoolId(region), users: {}, sessions: {}, refreshTokens: {}, revokedOrigins: {}, tables: {} };
    }
    const store = new SandboxStore(path, parsed);
    return store;
  }

  addMail(mail: StoredMail): void {
    this.state.mails.push(mail);
    if (this.state.mails.length > MAX_MAILS) this.state.mails.splice(0, this.state.mails.length - MAX_MAILS);
  }

  /** Drops what has expired, so the file does not grow without bound. */
  prune(nowMs: number): void {
    const s = this.state;
    for (const [k, v] of Object.entries(s.sessions)) if (v.expiresAt <= nowMs) delete s.sessions[k];
    for (const [k, v] of Object.entries(s.refreshTokens)) if (v.expiresAt <= nowMs) delete s.refreshTokens[k];
    for (const [k, v] of Object.entries(s.revokedOrigins)) if (v <= nowMs) delete s.revokedOrigins[k];
  }

  /** Serialised: concurrent requests never interleave two writes of the same file. */
  save(): Promise<void> {
    const snapshot = `${JSON.stringify(this.state, null, 2)}\n`;
    this.writing = this.writing.catch(() => undefined).then(() => writeFileAtomic(this.path, snapshot, 0o600));
    return this.writing;
  }

  async flush(): Promise<void> {
    await this.writing.catch(() => undefined);
  }
}
