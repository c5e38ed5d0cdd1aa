import { closeSync, fdatasync, openSync, readdirSync, unlinkSync, writeSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../core/atomic-file.js';
import { OtpError, errorMessage } from '../core/errors.js';
import { newClientId, newOpaqueToken, newUserPoolId } from './ids.js';

const userSchema = z.object({
  username: z.string(),
  attributes: z.record(z.string(), z.string()),
  status: z.enum(['UNCONFIRMED', 'CONFIRMED', 'FORCE_CHANGE_PASSWORD']),
  enabled: z.boolean(),
  createdAt: z.number(),
  updatedAt: z.number(),
  /** An attribute verification code sent by GetUserAttributeVerificationCode / UpdateUserAttributes. */
  pendingVerification: z.object({ attribute: z.string(), codeHash: z.string(), expiresAt: z.number() }).optional(),
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
  /** When set, the token was rotated away and stops working at this time (the grace period). */
  replacedUntil: z.number().optional(),
  createdAt: z.number().optional(),
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

type Item = Record<string, Record<string, unknown>>;

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
  /** The journal generation the snapshot was taken at: journals from it on are replayed over it. */
  journal: z.number().int().nonnegative().default(0),
});

export type SandboxUser = z.infer<typeof userSchema>;
export type SessionRound = z.infer<typeof roundSchema>;
export type AuthSession = z.infer<typeof sessionSchema>;
type RefreshRecord = z.infer<typeof refreshSchema>;
export type StoredMail = z.infer<typeof mailSchema>;
export type SandboxState = z.infer<typeof stateSchema>;

/** One change, as a journal line. `v: null` deletes. */
type Entry =
  | { t: 'user'; k: string; v: SandboxUser | null }
  | { t: 'session'; k: string; v: AuthSession | null }
  | { t: 'refresh'; k: string; v: RefreshRecord | null }
  | { t: 'revoked'; k: string; v: number | null }
  | { t: 'mail'; v: StoredMail }
  | { t: 'item'; table: string; k: string; v: Item | null };

const MAX_MAILS = 200;
/**
 * The sandbox keeps at most this many live refresh tokens per user (the oldest go first), so a
 * long load test does not grow the state without bound. A sandbox-only limit: a real pool keeps
 * every refresh token until it expires or is revoked.
 */
export const MAX_REFRESH_TOKENS_PER_USER = 50;
const JOURNAL_MIN_BYTES = 4 << 20;
const PRUNE_EVERY_MS = 10_000;

const journalName = (gen: number) => `journal-${gen}.jsonl`;

function parseJournal(text: string, path: string): Entry[] {
  const lines = text.split('\n');
  const out: Entry[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    try {
      out.push(JSON.parse(line) as Entry);
    } catch (err) {
      // Only the last line can be torn (the process died mid-write); anything else is damage.
      if (lines.slice(i + 1).some((l) => l !== '')) {
        throw new OtpError('SANDBOX_STATE_CORRUPT', `The sandbox journal ${path} is corrupt at line ${i + 1}: ${errorMessage(err)}`, {
          cause: err,
          resolution: `Move the sandbox folder aside (mv "${join(path, '..')}" "${join(path, '..')}.bad"); the sandbox then starts with a new, empty pool.`,
        });
      }
    }
  }
  return out;
}

/**
 * Users, sessions, tokens and mail of one sandbox pool. Every change is appended to a journal
 * (written before the request is answered, so `kill -9` loses nothing the caller was told
 * about); changes to users are also fdatasync'd, in groups, before the answer. The
 * journal is folded into a snapshot (`state.json`) once it outgrows it, and expired sessions,
 * tokens and rate-limit items are dropped every few seconds.
 *
 * Before: the whole state was rewritten and fsync'd, through one queue, about five times per
 * sign-in, which capped the sandbox at ~10-20 sign-ins per second whatever the concurrency.
 */
export class SandboxStore {
  private fd: number;
  private journalBytes = 0;
  private snapshotBytes = 0;
  private compacting: Promise<void> | undefined;
  private syncing: Promise<void> | undefined;
  private syncAgain: Promise<void> | undefined;
  private readonly byEmail = new Map<string, string>();
  private readonly refreshByUser = new Map<string, Set<string>>();
  private pruneTimer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    readonly dir: string,
    readonly state: SandboxState,
    private gen: number,
    private readonly now: () => number,
  ) {
    this.fd = openSync(join(dir, journalName(gen)), 'a', 0o600);
    for (const user of Object.values(state.users)) this.indexUser(user);
    for (const [k, r] of Object.entries(state.refreshTokens)) this.indexRefresh(k, r);
  }

  get path(): string {
    return join(this.dir, 'state.json');
  }

  static async open(dir: string, region: string, now: () => number = Date.now): Promise<SandboxStore> {
    await mkdir(dir, { recursive: true });
    const path = join(dir, 'state.json');
    let text: string | undefined;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    let state: SandboxState;
    if (text === undefined) {
      state = {
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
        journal: 0,
      };
    } else {
      try {
        state = stateSchema.parse(JSON.parse(text));
      } catch (err) {
        throw new OtpError('SANDBOX_STATE_CORRUPT', `The sandbox state ${path} is corrupt: ${errorMessage(err)}`, {
          cause: err,
          resolution: `Move it aside (mv "${path}" "${path}.bad"); the sandbox then starts with a new, empty pool.`,
        });
      }
    }
    const journals = readdirSync(dir)
      .map((f) => /^journal-(\d+)\.jsonl$/.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    for (const gen of journals) {
      const file = join(dir, journalName(gen));
      if (gen < state.journal) {
        unlinkSync(file);
        continue;
      }
      for (const entry of parseJournal(await readFile(file, 'utf8'), file)) apply(state, entry);
    }
    // The pool id carries the region, as a real one does; a new region is a new pool.
    if (state.region !== region) {
      state = {
        ...state,
        region,
        userPoolId: newUserPoolId(region),
        users: {},
        sessions: {},
        refreshTokens: {},
        revokedOrigins: {},
        tables: {},
      };
    }
    const last = journals.at(-1) ?? state.journal;
    const store = new SandboxStore(dir, state, Math.max(last, state.journal) + 1, now);
    store.prune(now());
    // Start from a fresh snapshot: the journals just replayed are folded in and removed.
    await store.compact();
    store.pruneTimer = setInterval(() => store.prune(store.now()), PRUNE_EVERY_MS);
    store.pruneTimer.unref();
    return store;
  }

  // ---- reads ---------------------------------------------------------------------------

  userByEmail(email: string): SandboxUser | undefined {
    const username = this.byEmail.get(email.trim().toLowerCase());
    return username === undefined ? undefined : this.state.users[username];
  }

  /** Live refresh-token hashes of a user. */
  refreshKeysOf(username: string): string[] {
    return [...(this.refreshByUser.get(username) ?? [])];
  }

  // ---- writes (each one journaled before it returns) --------------------------------------

  putUser(user: SandboxUser): void {
    const before = this.state.users[user.username];
    if (before) this.unindexUser(before);
    this.state.users[user.username] = user;
    this.indexUser(user);
    this.append({ t: 'user', k: user.username, v: user });
  }

  removeUser(username: string): void {
    const user = this.state.users[username];
    if (!user) return;
    this.unindexUser(user);
    delete this.state.users[username];
    this.append({ t: 'user', k: username, v: null });
  }

  putSession(key: string, session: AuthSession): void {
    this.state.sessions[key] = session;
    this.append({ t: 'session', k: key, v: session });
  }

  /** Removes a session and returns it: sessions are single use. */
  takeSession(key: string): AuthSession | undefined {
    const session = this.state.sessions[key];
    if (!session) return undefined;
    delete this.state.sessions[key];
    this.append({ t: 'session', k: key, v: null });
    return session;
  }

  putRefresh(key: string, record: RefreshRecord): void {
    this.state.refreshTokens[key] = record;
    this.indexRefresh(key, record);
    this.append({ t: 'refresh', k: key, v: record });
    const mine = this.refreshByUser.get(record.username)!;
    if (mine.size > MAX_REFRESH_TOKENS_PER_USER) {
      // Sets keep insertion order: the first is the oldest.
      const oldest = mine.values().next().value as string;
      this.dropRefresh(oldest);
    }
  }

  revokeOrigin(originJti: string, until: number): void {
    this.state.revokedOrigins[originJti] = until;
    this.append({ t: 'revoked', k: originJti, v: until });
  }

  addMail(mail: StoredMail): void {
    this.state.mails.push(mail);
    if (this.state.mails.length > MAX_MAILS) this.state.mails.splice(0, this.state.mails.length - MAX_MAILS);
    this.append({ t: 'mail', v: mail });
  }

  /** Records the current value (or absence) of one item of an emulated DynamoDB table. */
  itemChanged(table: string, key: string): void {
    const item = this.state.tables[table]?.[key];
    this.append({ t: 'item', table, k: key, v: item ?? null });
  }

  /**
   * Resolves once everything journaled so far is on disk (fdatasync). Calls that arrive while a
   * sync runs share the next one: one disk flush per group, not per request.
   */
  durable(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.writePending();
    if (!this.syncing) {
      this.syncing = this.syncOnce().finally(() => (this.syncing = undefined));
      return this.syncing;
    }
    this.syncAgain ??= this.syncing.then(() => {
      this.syncAgain = undefined;
      return this.durable();
    });
    return this.syncAgain;
  }

  /** Drops what has expired, so memory and the files do not grow without bound. */
  prune(nowMs: number): void {
    const s = this.state;
    for (const [k, v] of Object.entries(s.sessions)) if (v.expiresAt <= nowMs) this.takeSession(k);
    for (const [k, v] of Object.entries(s.refreshTokens))
      if (v.expiresAt <= nowMs || (v.replacedUntil !== undefined && v.replacedUntil <= nowMs)) this.dropRefresh(k);
    for (const [k, v] of Object.entries(s.revokedOrigins)) {
      if (v <= nowMs) {
        delete s.revokedOrigins[k];
        this.append({ t: 'revoked', k, v: null });
      }
    }
    // DynamoDB's time to live: the rate limiter stamps each item with `expiresAt` (epoch seconds).
    for (const [table, items] of Object.entries(s.tables)) {
      for (const [k, item] of Object.entries(items)) {
        const at = Number((item.expiresAt as { N?: string } | undefined)?.N ?? Number.NaN);
        if (at * 1000 <= nowMs) {
          delete items[k];
          this.itemChanged(table, k);
        }
      }
    }
  }

  async flush(): Promise<void> {
    await this.compacting?.catch(() => undefined);
    await this.durable().catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.writePending();
    // One compaction at a time: two interleaved could leave an older snapshot over a deleted journal.
    await this.compacting?.catch(() => undefined);
    await this.compact().catch(() => undefined);
    await this.flush();
    this.closed = true;
    closeSync(this.fd);
  }

  // ---- internals --------------------------------------------------------------------------

  private append(entry: Entry): void {
    if (this.closed) return;
    this.pending.push(JSON.stringify(entry));
    // One write for everything changed until the microtask queue drains. The write is queued
    // before the answer that follows the change, so it lands first; durable() (users) writes at
    // once and then syncs.
    if (this.pending.length === 1) queueMicrotask(this.writePending);
  }

  private pending: string[] = [];

  private readonly writePending = (): void => {
    if (this.pending.length === 0 || this.closed) return;
    const text = `${this.pending.join('\n')}\n`;
    this.pending = [];
    this.journalBytes += writeSync(this.fd, text);
    if (!this.compacting && this.journalBytes > Math.max(JOURNAL_MIN_BYTES, 2 * this.snapshotBytes)) {
      this.compacting = this.compact().finally(() => (this.compacting = undefined));
      this.compacting.catch(() => undefined);
    }
  };

  private syncOnce(): Promise<void> {
    const fd = this.fd;
    return new Promise((resolve, reject) => fdatasync(fd, (err) => (err && err.code !== 'EBADF' ? reject(err) : resolve())));
  }

  /**
   * Starts a new journal, then writes the state as of that instant as the snapshot. A crash
   * before the snapshot lands leaves the old snapshot and both journals, which replay to the
   * same state.
   */
  private async compact(): Promise<void> {
    this.writePending();
    const previous = this.gen;
    const old = this.fd;
    this.gen += 1;
    this.fd = openSync(join(this.dir, journalName(this.gen)), 'a', 0o600);
    this.journalBytes = 0;
    this.state.journal = this.gen;
    const snapshot = `${JSON.stringify(this.state)}\n`;
    this.snapshotBytes = snapshot.length;
    await new Promise<void>((resolve) => fdatasync(old, () => resolve()));
    closeSync(old);
    await writeFileAtomic(this.path, snapshot, 0o600);
    for (const f of readdirSync(this.dir)) {
      const m = /^journal-(\d+)\.jsonl$/.exec(f);
      if (m && Number(m[1]) <= previous) unlinkSync(join(this.dir, f));
    }
  }

  private dropRefresh(key: string): void {
    const record = this.state.refreshTokens[key];
    if (!record) return;
    delete this.state.refreshTokens[key];
    this.refreshByUser.get(record.username)?.delete(key);
    this.append({ t: 'refresh', k: key, v: null });
  }

  private indexUser(user: SandboxUser): void {
    const email = user.attributes.email;
    if (email !== undefined) this.byEmail.set(email.trim().toLowerCase(), user.username);
  }

  private unindexUser(user: SandboxUser): void {
    const email = user.attributes.email?.trim().toLowerCase();
    if (email !== undefined && this.byEmail.get(email) === user.username) this.byEmail.delete(email);
  }

  private indexRefresh(key: string, record: RefreshRecord): void {
    let mine = this.refreshByUser.get(record.username);
    if (!mine) this.refreshByUser.set(record.username, (mine = new Set()));
    mine.add(key);
  }
}

function apply(state: SandboxState, e: Entry): void {
  switch (e.t) {
    case 'user':
      if (e.v) state.users[e.k] = e.v;
      else delete state.users[e.k];
      return;
    case 'session':
      if (e.v) state.sessions[e.k] = e.v;
      else delete state.sessions[e.k];
      return;
    case 'refresh':
      if (e.v) state.refreshTokens[e.k] = e.v;
      else delete state.refreshTokens[e.k];
      return;
    case 'revoked':
      if (e.v !== null) state.revokedOrigins[e.k] = e.v;
      else delete state.revokedOrigins[e.k];
      return;
    case 'mail':
      state.mails.push(e.v);
      if (state.mails.length > MAX_MAILS) state.mails.splice(0, state.mails.length - MAX_MAILS);
      return;
    case 'item': {
      const table = (state.tables[e.table] ??= {});
      if (e.v) table[e.k] = e.v;
      else delete table[e.k];
      return;
    }
  }
}
