import { assertUserFileWritable, deleteUserFile, readUserFile, writeUserFile, type UserFileRole } from '../core/user-file.js';

export const ENV_HEADER = '# Cognito email sign-in (written by otp-setup)';
/** `export KEY = value`: group 1 the prefix (indent, export), 2 the key, 3 "=" with its spaces, 4 the raw value. */
const LINE = /^(\s*(?:export\s+)?)([A-Za-z_][A-Za-z0-9_.-]*)(\s*=[ \t]*)(.*)$/;

const ENV_ROLE: UserFileRole = {
  what: 'frontend env file',
  field: 'frontend.envFile',
  code: 'ENV',
  notAFileHint: 'To write no env file at all, set "frontend": { "envFile": false } in the config.',
};

/** One line and the ending it had ("\n", "\r\n", or "" for a last line without one). */
interface Line {
  text: string;
  eol: string;
}

function splitLines(text: string): Line[] {
  const parts = text.split(/(\r?\n)/);
  const lines: Line[] = [];
  for (let i = 0; i < parts.length; i += 2) lines.push({ text: parts[i]!, eol: parts[i + 1] ?? '' });
  const last = lines[lines.length - 1];
  if (last && last.text === '' && last.eol === '') lines.pop();
  return lines;
}

function joinLines(lines: readonly Line[]): string {
  return lines.map((l) => l.text + l.eol).join('');
}

/** The ending new lines get: the file's most common one (LF for a new file). */
function dominantEol(lines: readonly Line[]): string {
  let crlf = 0;
  let lf = 0;
  for (const l of lines) {
    if (l.eol === '\r\n') crlf++;
    else if (l.eol === '\n') lf++;
  }
  return crlf > lf ? '\r\n' : '\n';
}

function keyOf(text: string): string | undefined {
  return LINE.exec(text)?.[2];
}

/** Parses KEY=VALUE lines like dotenv (a later duplicate wins); comments and blanks are skipped. */
export function parseEnv(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const { text: line } of splitLines(text)) {
    const m = LINE.exec(line);
    if (m) values.set(m[2]!, unquote(m[4]!.trim()));
  }
  return values;
}

function unquote(raw: string): string {
  const quoted = /^(["'`])(.*)\1(?:\s+#.*)?$/s.exec(raw);
  if (quoted) return quoted[1] === '"' ? quoted[2]!.replace(/\\n/g, '\n') : quoted[2]!;
  return raw.replace(/(^|\s+)#.*$/, '');
}

const VALUE_THEN_COMMENT = /^\s*(?:"(?:[^"\\]|\\.)*"|'[^']*'|[^#]*?)(\s+#.*)?$/;

/** A user's note after our value ("KEY=x  # prod pool") survives the rewrite. */
function inlineComment(rawValue: string): string {
  return VALUE_THEN_COMMENT.exec(rawValue)?.[1] ?? '';
}

function quote(value: string): string {
  return /^[\w.:/@+-]*$/.test(value) ? value : JSON.stringify(value);
}

/** Every line that sets `key`, verbatim (without its line ending), in file order. */
export function envKeyLines(text: string, key: string): string[] {
  return splitLines(text)
    .map((l) => l.text)
    .filter((l) => keyOf(l) === key);
}

/** True when every line setting `key` sits below our header, i.e. otp-setup appended it. */
export function isUnderHeader(text: string, key: string): boolean {
  const lines = splitLines(text).map((l) => l.text);
  const header = lines.indexOf(ENV_HEADER);
  const at = lines.flatMap((l, i) => (keyOf(l) === key ? [i] : []));
  return header >= 0 && at.length > 0 && at.every((i) => i > header);
}

/** True when the file holds nothing but our header, blank lines and the given keys: only otp-setup wrote it. */
export function holdsOnly(text: string, keys: readonly string[]): boolean {
  const lines = splitLines(text).map((l) => l.text);
  return (
    lines.some((l) => keyOf(l) !== undefined) && lines.every((l) => l.trim() === '' || l === ENV_HEADER || keys.includes(keyOf(l) ?? ''))
  );
}

/**
 * Sets keys in an env file's text. A key already there is changed on every line that sets it
 * (dotenv lets a later duplicate win), keeping its `export`, spacing and trailing comment; new
 * keys go under one header comment. Every other line, each line's ending and a missing final
 * newline stay exactly as they were.
 */
export function setEnvKeys(text: string, set: Readonly<Record<string, string>>): string {
  const lines = splitLines(text);
  const eol = dominantEol(lines);
  const open = lines.length > 0 && lines[lines.length - 1]!.eol === '';
  const pending = new Map(Object.entries(set));
  for (const line of lines) {
    const m = LINE.exec(line.text);
    if (!m || !Object.hasOwn(set, m[2]!)) continue;
    line.text = `${m[1]}${m[2]}${m[3]}${quote(set[m[2]!]!)}${inlineComment(m[4]!)}`;
    pending.delete(m[2]!);
  }
  if (pending.size === 0) return joinLines(lines);
  if (open) lines[lines.length - 1]!.eol = eol;
  const fresh = [...pending].map(([key, value]) => ({ text: `${key}=${quote(value)}`, eol }));
  let at = lines.findIndex((l) => l.text === ENV_HEADER);
  if (at < 0) {
    if (lines.length > 0 && lines[lines.length - 1]!.text.trim() !== '') lines.push({ text: '', eol });
    lines.push({ text: ENV_HEADER, eol });
    at = lines.length - 1;
  }
  // Under the header, after those of our keys already there (a user's line added below them stays below).
  let end = at + 1;
  while (end < lines.length && Object.hasOwn(set, keyOf(lines[end]!.text) ?? '')) end++;
  lines.splice(end, 0, ...fresh);
  if (open) lines[lines.length - 1]!.eol = '';
  return joinLines(lines);
}

/**
 * Takes keys back out: each key maps to the lines it replaced (restored verbatim, in place of ours)
 * or to undefined (its lines are removed). Our header goes once nothing is left under it, with
 * the blank line we put before it. Line endings and a missing final newline are kept.
 */
export function releaseEnvKeys(text: string, restore: ReadonlyMap<string, readonly string[] | undefined>): string {
  const lines = splitLines(text);
  const open = lines.length > 0 && lines[lines.length - 1]!.eol === '';
  const total = new Map<string, number>();
  for (const l of lines) {
    const key = keyOf(l.text);
    if (key !== undefined && restore.has(key)) total.set(key, (total.get(key) ?? 0) + 1);
  }
  const seen = new Map<string, number>();
  let out: Line[] = [];
  // Our header goes with the lines we put under it, even when the user added a line below them.
  let emptiedHeader = false;
  for (const line of lines) {
    const key = keyOf(line.text);
    if (key === undefined || !restore.has(key)) {
      out.push(line);
      continue;
    }
    const prior = restore.get(key) ?? [];
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    if (n >= prior.length && out[out.length - 1]?.text === ENV_HEADER) emptiedHeader = true;
    if (n < prior.length) out.push({ text: prior[n]!, eol: line.eol });
    // More of the user's lines than ours now: the rest go right after the last one.
    if (n === total.get(key)! - 1) for (const extra of prior.slice(n + 1)) out.push({ text: extra, eol: line.eol || dominantEol(lines) });
  }
  out = dropEmptyHeader(out, emptiedHeader);
  const last = out[out.length - 1];
  if (open && last) last.eol = '';
  return joinLines(out);
}

function dropEmptyHeader(lines: Line[], emptied: boolean): Line[] {
  const at = lines.findIndex((l) => l.text === ENV_HEADER);
  if (at < 0) return lines;
  if (!emptied && at + 1 < lines.length && keyOf(lines[at + 1]!.text) !== undefined) return lines;
  const blankBefore = at > 0 && lines[at - 1]!.text.trim() === '';
  const blankOrEndAfter = at + 1 === lines.length || lines[at + 1]!.text.trim() === '';
  const from = blankBefore && blankOrEndAfter ? at - 1 : at;
  return [...lines.slice(0, from), ...lines.slice(at + 1)];
}

/** Sets `set` and removes `remove` (keys without a user line to restore). */
export function editEnv(text: string, set: Record<string, string>, remove: readonly string[] = []): string {
  const drop = new Map(remove.filter((k) => !Object.hasOwn(set, k)).map((k) => [k, undefined] as const));
  return releaseEnvKeys(setEnvKeys(text, set), drop);
}

export function readEnvFile(path: string): Promise<string | undefined> {
  return readUserFile(path, ENV_ROLE);
}

/** For a preflight: refuses an unreadable or read-only file, a device, FIFO or folder before any other write. */
export async function preflightEnvFile(path: string): Promise<void> {
  await readUserFile(path, ENV_ROLE);
  await assertUserFileWritable(path, ENV_ROLE);
}

export function writeEnvFile(path: string, text: string): Promise<void> {
  return writeUserFile(path, text, ENV_ROLE);
}

export function deleteEnvFile(path: string): Promise<void> {
  return deleteUserFile(path, ENV_ROLE);
}
