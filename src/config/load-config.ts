import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { z } from 'zod';
import { OtpError, usageError, errorMessage } from '../core/errors.js';
import { environmentProblems } from '../spec/environment-limit.js';
import { nameProblems } from './name-limits.js';
import { knownKeys } from './known-keys.js';
import { configSchema, type Config } from './schema.js';

export const DEFAULT_CONFIG_FILE = 'otp-setup.config.json';

export interface LoadedConfig {
  config: Config;
  /** Absolute path of the file; paths inside the config are relative to its folder. */
  path: string;
  dir: string;
}

/** Command-line flags that override the file (--stage, --region); validated like the file. */
export interface ConfigOverrides {
  stage?: string;
  region?: string;
}

export async function loadConfig(path: string, overrides: ConfigOverrides = {}): Promise<LoadedConfig> {
  const absolute = resolve(path);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw usageError(
        'CONFIG_NOT_FOUND',
        `No configuration file at ${absolute}.`,
        'Run "otp-setup init --from you@example.com" to create one, or pass --config <path>.',
      );
    }
    if (code === 'EISDIR') {
      throw usageError(
        'CONFIG_IS_FOLDER',
        `${absolute} is a folder, not a configuration file.`,
        `Pass the file itself, e.g. --config ${join(path, DEFAULT_CONFIG_FILE)}.`,
      );
    }
    throw new OtpError('CONFIG_UNREADABLE', `Cannot read ${absolute}: ${errorMessage(err)}`, {
      cause: err,
      resolution: 'Check the file permissions.',
    });
  }
  let raw: unknown;
  try {
    // Windows editors (Notepad) save UTF-8 with a byte order mark, which JSON.parse refuses.
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw usageError(
      'CONFIG_INVALID_JSON',
      `${absolute} is not valid JSON: ${errorMessage(err)}`,
      'Fix the JSON syntax (a trailing comma or a missing quote is the usual cause).',
    );
  }
  const flags: Record<string, string> = {};
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    for (const [key, value] of Object.entries(overrides)) {
      if (value === undefined) continue;
      (raw as Record<string, unknown>)[key] = value;
      flags[key] = `--${key}`;
    }
  }
  return { config: parseConfig(raw, absolute, flags), path: absolute, dir: dirname(absolute) };
}

/**
 * `flags` names the fields (dotted paths) that came from the command line or the environment (e.g.
 * stage → "--stage"), so a bad value is blamed on where the user typed it, not on the file.
 */
export function parseConfig(raw: unknown, source = 'the configuration', flags: Readonly<Record<string, string>> = {}): Config {
  const parsed = configSchema.safeParse(raw);
  if (parsed.success) {
    // What only the whole config shows: derived AWS names and each function's environment size.
    // Checked here so no command gets as far as an AWS call with a config AWS would refuse.
    const names = nameProblems(parsed.data, { stageFromFlag: flags.stage !== undefined });
    const problems = [...names.map((p) => p.message), ...environmentProblems(parsed.data)];
    if (problems.length === 0) return parsed.data;
    const resolution =
      names.length > 0
        ? 'Shorten the fields named above: the resource names are built from them, and AWS refuses a name over its limit.'
        : "Shorten the values named above: all of a function's environment variables must fit in Lambda's 4 KB.";
    throw invalid(`Invalid configuration in ${source}`, problems, resolution, {
      ...(names.length > 0 ? { names: names.map(({ message: _message, ...rest }) => rest) } : {}),
    });
  }
  const flagFor = (issue: z.core.$ZodIssue): string | undefined => {
    const where = issue.path.map(String).join('.');
    return Object.keys(flags).find((field) => where === field || where.startsWith(`${field}.`));
  };
  const valueAt = (field: string): unknown =>
    field
      .split('.')
      .reduce<unknown>(
        (node, key) => (typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined),
        raw,
      );
  const problems = parsed.error.issues.map((issue) => {
    const field = flagFor(issue);
    return field === undefined ? describeIssue(issue) : `${flags[field]} ${JSON.stringify(valueAt(field))}: ${issue.message}`;
  });
  const onlyFlags = parsed.error.issues.every((issue) => flagFor(issue) !== undefined);
  throw onlyFlags
    ? invalid('Invalid option values', problems, 'Fix the option values named above.')
    : invalid(`Invalid configuration in ${source}`, problems);
}

function invalid(title: string, problems: string[], resolution?: string, details: Record<string, unknown> = {}) {
  return usageError(
    'CONFIG_INVALID',
    `${title}:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    resolution ?? 'Fix the fields named above; the JSON schema in "$schema" gives every field with its range.',
    { problems, ...details },
  );
}

// An unknown key is echoed back; a pasted blob must not flood the terminal.
const ECHO_LIMIT = 60;

function echo(key: string): string {
  return key.length > ECHO_LIMIT ? `${key.slice(0, ECHO_LIMIT)}… (${key.length} characters)` : key;
}

/** Each object's keys by dotted path, for "did you mean": read off the schema, never a copy of it. */
const KNOWN_KEYS = knownKeys(configSchema);

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const known = KNOWN_KEYS[where] ?? [];
    return issue.keys
      .map((key) => {
        const field = echo(where ? `${where}.${key}` : key);
        const guess = key.length <= ECHO_LIMIT ? closest(key, known) : undefined;
        return `${field}: unknown field${guess ? ` (did you mean "${guess}"?)` : ''}`;
      })
      .join('\n  - ');
  }
  if (issue.code === 'invalid_type' && issue.message.includes('received undefined')) {
    return `${where}: is required`;
  }
  return `${where || '(top level)'}: ${issue.message}`;
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const candidate of candidates) {
    const score = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return bestScore <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
