import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { z } from 'zod';
import { OtpError, usageError } from '../core/errors.js';
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
      throw usageError('CONFIG_NOT_FOUND', `No configuration file at ${absolute}.`, 'Run "otp-setup init --from you@example.com" to create one, or pass --config <path>.');
    }
    throw new OtpError('CONFIG_UNREADABLE', `Cannot read ${absolute}: ${(err as Error).message}`, { cause: err, resolution: 'Check the file permissions.' });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw usageError('CONFIG_INVALID_JSON', `${absolute} is not valid JSON: ${(err as Error).message}`, 'Fix the JSON syntax (a trailing comma or a missing quote is the usual cause).');
  }
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    for (const [key, value] of Object.entries(overrides)) if (value !== undefined) (raw as Record<string, unknown>)[key] = value;
  }
  return { config: parseConfig(raw, absolute), path: absolute, dir: dirname(absolute) };
}

export function parseConfig(raw: unknown, source = 'the configuration'): Config {
  const parsed = configSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(describeIssue);
  throw usageError(
    'CONFIG_INVALID',
    `Invalid configuration in ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    'Fix the fields named above; the JSON schema in "$schema" gives every field with its range.',
    { problems },
  );
}

const KNOWN_KEYS: Record<string, readonly string[]> = {
  '': ['$schema', 'stackId', 'name', 'region', 'stage', 'email', 'otp', 'signUp', 'client', 'lambda', 'userPool', 'names', 'frontend', 'monitoring', 'rateLimit'],
  email: ['from', 'fromName', 'dkim', 'templates'],
  'email.templates': ['subject', 'text', 'html'],
  otp: ['length', 'ttlSeconds', 'maxAttempts'],
  signUp: ['allowedDomains'],
  client: ['authSessionValidityMinutes', 'accessTokenValidityMinutes', 'idTokenValidityMinutes', 'refreshTokenValidityDays'],
  lambda: ['runtime', 'memoryMb', 'timeoutSeconds'],
  userPool: ['deletionProtection'],
  names: ['role', 'userPool', 'client', 'rateLimitTable'],
  rateLimit: ['enabled', 'codesPerWindow', 'windowMinutes', 'maxFailedAnswers', 'lockoutMinutes'],
  frontend: ['envFile', 'preset', 'prefix', 'outputsFile'],
  monitoring: ['logRetentionDays', 'tracing', 'alarms'],
  'monitoring.alarms': ['enabled', 'snsTopicArn', 'email'],
};

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const known = KNOWN_KEYS[where] ?? [];
    return issue.keys
      .map((key) => {
        const field = where ? `${where}.${key}` : key;
        const guess = closest(key, known);
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
