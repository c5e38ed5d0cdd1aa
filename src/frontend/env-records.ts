import type { EnvFileRecord, StackState } from '../core/state-store.js';
import { envKeyLines, holdsOnly, isUnderHeader, parseEnv, releaseEnvKeys, setEnvKeys } from './env-file.js';

/**
 * Who owns which line of a shared .env. Each stack's state records, per file and key, the value it
 * wrote and the user's own lines that value replaced. A key is taken back (teardown, an envFile
 * change) only while it still holds the value this stack wrote: a value the user edited since, or
 * that another stack (another region of the same config) wrote over it, is left alone. The user's
 * original lines travel from stack to stack, so whichever stack lets go last puts them back.
 */

/** The records these stacks keep for one env file (stacks that never wrote it have none). */
export function recordsForFile(states: readonly StackState[], path: string): EnvFileRecord[] {
  return states.flatMap((s) => {
    const record = s.resources.frontend?.envFiles?.[path];
    return record ? [record] : [];
  });
}

export interface ClaimInput {
  /** The file's text now; undefined when it does not exist. */
  text: string | undefined;
  set: Readonly<Record<string, string>>;
  /** Keys to take out with no line to restore (the sandbox's endpoint key). */
  drop: readonly string[];
  /** This stack's record for the file, from an earlier `up`. */
  previous: EnvFileRecord | undefined;
  /** Other stacks' records for the same file. */
  others: readonly EnvFileRecord[];
}

/** Writes our keys and returns the new text with the record of what they replaced. */
export function claimEnvKeys({ text, set, drop, previous, others }: ClaimInput): { text: string; record: EnvFileRecord } {
  const before = text ?? '';
  const current = parseEnv(before);
  // `otp-setup sandbox` points our keys at itself and adds its endpoint key: those lines are ours too.
  const sandboxWrote = drop.some((k) => current.has(k));
  const keys: EnvFileRecord['keys'] = {};
  for (const [key, value] of Object.entries(set)) {
    const now = current.get(key);
    const mine = previous?.keys[key];
    const theirs = others.find((r) => r.keys[key]?.value === now)?.keys[key];
    let prior: string[] | undefined;
    if (now === undefined) prior = undefined;
    else if (mine && mine.value === now) prior = mine.prior;
    else if (theirs) prior = theirs.prior;
    else if (sandboxWrote || isUnderHeader(before, key)) prior = undefined;
    else prior = envKeyLines(before, key);
    keys[key] = { value, ...(prior ? { prior } : {}) };
  }
  // Keys this stack wrote before under other names (the preset or prefix changed) are given back.
  const stale: EnvFileRecord = {
    createdFile: false,
    keys: Object.fromEntries(Object.entries(previous?.keys ?? {}).filter(([k]) => !Object.hasOwn(set, k))),
  };
  const restore = restoreMap(before, stale, []).restore;
  for (const k of drop) if (!Object.hasOwn(set, k)) restore.set(k, undefined);
  const createdFile =
    text === undefined ||
    Boolean(previous?.createdFile) ||
    others.some((r) => r.createdFile) ||
    holdsOnly(before, [...Object.keys(set), ...drop, ...Object.keys(previous?.keys ?? {})]);
  return { text: setEnvKeys(releaseEnvKeys(before, restore), set), record: { createdFile, keys } };
}

export interface ReleaseOutcome {
  text: string;
  /** Keys put back to the user's own lines. */
  restored: string[];
  /** Keys removed (they were not in the file before). */
  removed: string[];
  /** Keys set to another live stack's value (it wrote them before us). */
  handedOver: string[];
  /** Keys whose value is no longer the one we wrote: left as they are. */
  kept: string[];
}

function restoreMap(text: string, record: EnvFileRecord, others: readonly EnvFileRecord[]) {
  const current = parseEnv(text);
  const restore = new Map<string, readonly string[] | undefined>();
  const handOver: Record<string, string> = {};
  const outcome = { restored: [] as string[], removed: [] as string[], handedOver: [] as string[], kept: [] as string[] };
  for (const [key, rec] of Object.entries(record.keys)) {
    const now = current.get(key);
    if (now === undefined) continue;
    if (now !== rec.value) {
      outcome.kept.push(key);
      continue;
    }
    const live = others.find((r) => r.keys[key] !== undefined)?.keys[key];
    if (live) {
      handOver[key] = live.value;
      outcome.handedOver.push(key);
    } else {
      restore.set(key, rec.prior);
      (rec.prior ? outcome.restored : outcome.removed).push(key);
    }
  }
  return { restore, handOver, outcome };
}

/** Takes this stack's keys back out of a file, as far as they are still ours. */
export function releaseEnvFile(text: string, record: EnvFileRecord, others: readonly EnvFileRecord[]): ReleaseOutcome {
  const { restore, handOver, outcome } = restoreMap(text, record, others);
  return { text: setEnvKeys(releaseEnvKeys(text, restore), handOver), ...outcome };
}
