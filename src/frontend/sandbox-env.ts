import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../core/atomic-file.js';
import { envFileRecordSchema, otherStates, stateDir, type EnvFileRecord } from '../core/state-store.js';
import { deleteEnvFile, readEnvFile, writeEnvFile } from './env-file.js';
import { claimEnvKeys, recordsForFile, releaseEnvFile, type ReleaseOutcome } from './env-records.js';

/**
 * `otp-setup sandbox` borrows the frontend .env while it runs: it points our keys at itself, and
 * remembers, per key, the user's own lines (or a deployed stack's values) it replaced. On stop it
 * gives them back. The record lives beside the stacks' state, so a sandbox that was killed is
 * undone by its next start-and-stop, and `up` carries the user's original lines into its own
 * record instead of mistaking the sandbox's values for lines nobody owns.
 */
const recordsSchema = z.record(z.string(), envFileRecordSchema);

function recordsPath(configDir: string): string {
  return join(stateDir(configDir), 'sandbox', 'env-records.json');
}

export async function sandboxEnvRecords(configDir: string): Promise<Record<string, EnvFileRecord>> {
  try {
    const parsed = recordsSchema.safeParse(JSON.parse(await readFile(recordsPath(configDir), 'utf8')));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

async function saveRecords(configDir: string, records: Record<string, EnvFileRecord>): Promise<void> {
  if (Object.keys(records).length === 0) {
    await unlink(recordsPath(configDir)).catch(() => undefined);
    return;
  }
  await writeFileAtomic(recordsPath(configDir), `${JSON.stringify(records, null, 2)}\n`);
}

async function stackRecords(configDir: string, path: string): Promise<EnvFileRecord[]> {
  return recordsForFile(await otherStates(configDir), path);
}

/** Points `entries` at the sandbox in `path`, recording what they replaced before the file changes. */
export async function borrowEnvFile(configDir: string, path: string, entries: Record<string, string>): Promise<void> {
  const text = await readEnvFile(path);
  const records = await sandboxEnvRecords(configDir);
  const claimed = claimEnvKeys({ text, set: entries, drop: [], previous: records[path], others: await stackRecords(configDir, path) });
  // Record first: a kill between the two writes leaves a record whose values the file does not
  // hold, which giving back treats as "changed since" and leaves alone.
  await saveRecords(configDir, { ...records, [path]: claimed.record });
  if (claimed.text !== text) await writeEnvFile(path, claimed.text);
}

/**
 * Gives the borrowed keys back: the user's own lines, or a deployed stack's values; keys nobody had
 * are removed, and a file the sandbox created goes once it is empty. Keys edited since are left.
 */
export async function returnEnvFile(configDir: string, path: string): Promise<ReleaseOutcome | undefined> {
  const records = await sandboxEnvRecords(configDir);
  const record = records[path];
  if (!record) return undefined;
  const text = await readEnvFile(path);
  let outcome: ReleaseOutcome | undefined;
  if (text !== undefined) {
    outcome = releaseEnvFile(text, record, await stackRecords(configDir, path));
    if (outcome.text.trim() === '' && record.createdFile) await deleteEnvFile(path);
    else if (outcome.text !== text) await writeEnvFile(path, outcome.text);
  }
  const { [path]: _returned, ...rest } = records;
  await saveRecords(configDir, rest);
  return outcome;
}
