import { hostname } from 'node:os';
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isNotWritable, OtpError } from './errors.js';
import { makeDirs } from './make-dirs.js';

export interface LockHolder {
  pid: number;
  host: string;
  command: string;
  startedAt: string;
}

export interface Lock {
  readonly path: string;
  release(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readHolder(path: string): Promise<LockHolder | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}

async function createExclusive(path: string, content: string): Promise<boolean> {
  try {
    const handle = await open(path, 'wx', 0o600);
    try {
      await handle.writeFile(content);
    } finally {
      await handle.close();
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** A holder is stale when it ran on this host and its process is gone (killed, crashed). */
function isStale(holder: LockHolder | undefined, host: string): boolean {
  return holder !== undefined && holder.host === host && !alive(holder.pid);
}

/**
 * One run per stack at a time. The lock file names its holder; a lock left by a killed run is
 * taken over, under a short-lived takeover file so that two runs finding the same stale lock
 * cannot both take it.
 */
export async function acquireLock(path: string, command: string, now: () => Date = () => new Date()): Promise<Lock> {
  try {
    return await takeLock(path, command, now);
  } catch (err) {
    if (!isNotWritable(err)) throw err;
    const dir = dirname(path);
    throw new OtpError('LOCK_UNWRITABLE', `Cannot create the lock file in ${dir} (${err.code}); nothing was changed.`, {
      cause: err,
      resolution: `Make ${dir} writable (permissions, a read-only mount, the immutable flag or a full disk), then run the command again.`,
    });
  }
}

async function takeLock(path: string, command: string, now: () => Date): Promise<Lock> {
  await makeDirs(dirname(path));
  const host = hostname();
  const me: LockHolder = { pid: process.pid, host, command, startedAt: now().toISOString() };
  const content = `${JSON.stringify(me)}\n`;
  const release = async (): Promise<void> => {
    const holder = await readHolder(path);
    if (holder && holder.pid === me.pid && holder.host === host) await unlink(path).catch(() => undefined);
  };

  for (let attempt = 0; attempt < 3; attempt++) {
    if (await createExclusive(path, content)) return { path, release };
    const holder = await readHolder(path);
    if (holder === undefined) {
      // A holder is between create and write, or the file is garbage: garbage older than a minute is stale.
      const age = await stat(path)
        .then((s) => now().getTime() - s.mtimeMs)
        .catch(() => 0);
      if (age < 60_000) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
    } else if (!isStale(holder, host)) {
      const since = Math.max(0, Math.round((now().getTime() - Date.parse(holder.startedAt)) / 1000));
      throw new OtpError(
        'LOCKED',
        `Another otp-setup run holds the lock for this stack: "${holder.command}", pid ${holder.pid} on ${holder.host}, started ${since}s ago.`,
        {
          resolution: `Wait for it to finish and try again. If that process no longer exists, delete ${path}.`,
          details: { holder },
        },
      );
    }
    const takeover = `${path}.takeover`;
    if (!(await createExclusive(takeover, content))) {
      const age = await stat(takeover)
        .then((s) => now().getTime() - s.mtimeMs)
        .catch(() => 0);
      if (age > 30_000) await unlink(takeover).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    try {
      const again = await readHolder(path);
      if (again === undefined || isStale(again, host)) {
        await unlink(path).catch(() => undefined);
        if (await createExclusive(path, content)) return { path, release };
      }
    } finally {
      await unlink(takeover).catch(() => undefined);
    }
  }
  const holder = await readHolder(path);
  throw new OtpError('LOCKED', `Could not take the lock ${path}${holder ? ` (held by pid ${holder.pid} on ${holder.host})` : ''}.`, {
    resolution: 'Try again in a moment.',
  });
}
