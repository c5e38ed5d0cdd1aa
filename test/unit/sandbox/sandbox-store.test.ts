import { appendFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_REFRESH_TOKENS_PER_USER, SandboxStore, type SandboxUser } from '../../../src/sandbox/sandbox-store.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'otp-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const user = (n: number): SandboxUser => ({
  username: `u-${n}`,
  attributes: { sub: `u-${n}`, email: `User${n}@Example.com` },
  status: 'CONFIRMED',
  enabled: true,
  createdAt: 1,
  updatedAt: 1,
});

const journal = async () =>
  join(
    dir,
    (await readdir(dir)).find((f) => f.startsWith('journal-'))!,
  );

describe('SandboxStore (journal + snapshot)', () => {
  it('replays what was journaled when the process died without closing, ignoring a torn last line', async () => {
    const store = await SandboxStore.open(dir, 'us-east-1');
    store.putUser(user(1));
    await store.durable();
    store.putSession('s1', {
      clientId: 'c',
      username: 'u-1',
      typed: 'x',
      userNotFound: false,
      rounds: [],
      challengeName: 'CUSTOM_CHALLENGE',
      publicParameters: {},
      privateParameters: {},
      expiresAt: Date.now() + 60_000,
    });
    await Promise.resolve();
    // A crash in the middle of the next write: half a line, no newline, no close().
    await appendFile(await journal(), '{"t":"user","k":"u-2","v":{"usern');
    const again = await SandboxStore.open(dir, 'us-east-1');
    expect(again.state.userPoolId).toBe(store.state.userPoolId);
    expect(again.userByEmail('user1@example.com')?.username).toBe('u-1');
    expect(again.state.sessions.s1?.username).toBe('u-1');
    expect(again.state.users['u-2']).toBeUndefined();
    await again.close();
  });

  it('refuses a journal damaged before its last line', async () => {
    const store = await SandboxStore.open(dir, 'us-east-1');
    store.putUser(user(1));
    await store.durable();
    await appendFile(await journal(), 'garbage\n{"t":"revoked","k":"o","v":1}\n');
    await expect(SandboxStore.open(dir, 'us-east-1')).rejects.toMatchObject({ code: 'SANDBOX_STATE_CORRUPT' });
  });

  it('keeps a bounded number of refresh tokens per user and drops expired sessions', async () => {
    const store = await SandboxStore.open(dir, 'us-east-1');
    store.putUser(user(1));
    for (let i = 0; i < MAX_REFRESH_TOKENS_PER_USER + 10; i++) {
      store.putRefresh(`r${i}`, { clientId: 'c', username: 'u-1', originJti: `o${i}`, authTime: 1, expiresAt: Date.now() + 86_400_000 });
    }
    expect(store.refreshKeysOf('u-1')).toHaveLength(MAX_REFRESH_TOKENS_PER_USER);
    expect(store.state.refreshTokens.r0).toBeUndefined();
    expect(store.state.refreshTokens[`r${MAX_REFRESH_TOKENS_PER_USER + 9}`]).toBeDefined();
    store.putSession('old', {
      clientId: 'c',
      username: 'u-1',
      typed: 'x',
      userNotFound: false,
      rounds: [],
      challengeName: 'CUSTOM_CHALLENGE',
      publicParameters: {},
      privateParameters: {},
      expiresAt: 5,
    });
    store.prune(10);
    expect(store.state.sessions.old).toBeUndefined();
    await store.close();
    const again = await SandboxStore.open(dir, 'us-east-1');
    expect(Object.keys(again.state.refreshTokens)).toHaveLength(MAX_REFRESH_TOKENS_PER_USER);
    expect(again.state.sessions.old).toBeUndefined();
    await again.close();
  });
});
