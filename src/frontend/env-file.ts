import { readFile } from 'node:fs/promises';
import { OtpError } from '../core/errors.js';
import { writeFileAtomic } from '../core/atomic-file.js';

const HEADER = '# Cognito email sign-in (written by otp-setup)';
const LINE = /^\s*(export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=(.*)$/;

/** Parses KEY=VALUE lines; everything else (comments, blanks) is kept verbatim on rewrite. */
export function parseEnv(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = LINE.exec(line);
    if (m) values.set(m[2]!, unquote(m[3]!.trim()));
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

/**
 * Sets (and removes) keys in an env file's text, keeping every other line, comment, the order
 * and the line endings as they were. New keys go at the end under one header comment.
 */
export function editEnv(text: string, set: Record<string, string>, remove: readonly string[] = []): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text === '' ? [] : text.split(/\r?\n/);
  const trailingNewline = lines.length > 0 && lines[lines.length - 1] === '';
  if (trailingNewline) lines.pop();
  const pending = new Map(Object.entries(set));
  const drop = new Set(remove);
  const out: string[] = [];
  const written = new Set<string>();
  for (const line of lines) {
    const m = LINE.exec(line);
    const key = m?.[2];
    if (key !== undefined && drop.has(key) && !Object.hasOwn(set, key)) continue;
    if (key !== undefined && Object.hasOwn(set, key)) {
      // dotenv lets a later duplicate win, so a stale copy below ours would silently override it.
      if (written.has(key)) continue;
      out.push(`${m?.[1] ?? ''}${key}=${quote(set[key]!)}${inlineComment(m?.[3] ?? '')}`);
      written.add(key);
      pending.delete(key);
      continue;
    }
    out.push(line);
  }
  if (pending.size > 0) {
    if (!out.includes(HEADER)) {
      if (out.length > 0 && out[out.length - 1]!.trim() !== '') out.push('');
      out.push(HEADER);
    }
    for (const [key, value] of pending) out.push(`${key}=${quote(value)}`);
  }
  // Our header with none of our keys left under it is dropped too: teardown leaves no trace.
  const remaining = parseEnv(out.join('\n'));
  const headerAt = out.indexOf(HEADER);
  if (headerAt >= 0 && drop.size > 0 && ![...drop].some((k) => remaining.has(k)) && Object.keys(set).length === 0) {
    out.splice(headerAt, 1);
    if (headerAt > 0 && out[headerAt - 1]?.trim() === '' && (headerAt === out.length || out[headerAt]?.trim() === '')) out.splice(headerAt - 1, 1);
  }
  while (out.length > 0 && out[out.length - 1]!.trim() === '' && !trailingNewline) out.pop();
  return out.length === 0 ? '' : out.join(eol) + eol;
}

export async function readEnvFile(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new OtpError('ENV_UNREADABLE', `Cannot read the frontend env file ${path} (${code ?? (err as Error).message}).`, {
      cause: err,
      resolution: code === 'EISDIR' ? 'frontend.envFile must name a file, not a folder.' : 'Check its permissions, or point frontend.envFile at another file.',
    });
  }
}

export async function writeEnvFile(path: string, text: string): Promise<void> {
  try {
    await writeFileAtomic(path, text);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new OtpError('ENV_UNWRITABLE', `Cannot write the frontend env file ${path} (${code ?? (err as Error).message}).`, {
      cause: err,
      resolution: 'Make the file and its folder writable, or point frontend.envFile at another file.',
    });
  }
}
