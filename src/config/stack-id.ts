import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import writeFileAtomic from 'write-file-atomic';
import { isDeepStrictEqual } from 'node:util';
import { OtpError, errorMessage } from '../core/errors.js';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** 10 characters of [a-z0-9]: ~51 bits, so two projects never draw the same id by accident. */
export function newStackId(): string {
  return [...randomBytes(10)].map((b) => ALPHABET[b % ALPHABET.length]).join('');
}

/**
 * The config text with `"stackId": id` added as the object's first key, everything else byte for
 * byte as it was (indentation, key order, line endings, a trailing newline). Falls back to
 * re-serializing only if the text is laid out in a way the insertion cannot follow.
 */
export function withStackId(text: string, id: string): string {
  const original = JSON.parse(text.replace(/^\uFEFF/, '')) as Record<string, unknown>;
  const expected = { stackId: id, ...original };
  const open = text.indexOf('{');
  const head = text.slice(0, open + 1);
  const rest = text.slice(open + 1);
  const entry = `"stackId": ${JSON.stringify(id)}`;
  let edited: string;
  const multiLine = /^([ \t]*\r?\n)([ \t]*)"/.exec(rest);
  if (/^\s*\}/.test(rest)) edited = `${head}${entry}${rest}`;
  else if (multiLine) edited = `${head}${multiLine[1]}${multiLine[2]}${entry},${rest}`;
  else edited = `${head}${entry}, ${rest.replace(/^[ \t]*/, '')}`;
  try {
    if (isDeepStrictEqual(JSON.parse(edited.replace(/^\uFEFF/, '')), expected)) return edited;
  } catch {
    // fall through
  }
  return `${JSON.stringify(expected, null, 2)}\n`;
}

/**
 * Gives a config without a stack id one (`preferred`, else a new one), written into its file
 * (only that key is added; the file keeps its mode). Returns the id the file holds afterwards:
 * one written meanwhile by a concurrent run wins.
 */
export async function assignStackId(path: string, preferred?: string): Promise<{ id: string; written: boolean }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new OtpError('CONFIG_UNREADABLE', `Cannot read ${path}: ${errorMessage(err)}`, {
      cause: err,
      resolution: 'Check the file permissions.',
    });
  }
  const raw = JSON.parse(text.replace(/^\uFEFF/, '')) as Record<string, unknown>;
  if (typeof raw.stackId === 'string') return { id: raw.stackId, written: false };
  const id = preferred ?? newStackId();
  try {
    await writeFileAtomic(path, withStackId(text, id));
  } catch (err) {
    throw new OtpError('CONFIG_UNWRITABLE', `Cannot add a stack id to ${path}: ${errorMessage(err)}`, {
      cause: err,
      resolution: `Make the file writable, or add "stackId": "${id}" to it yourself (any 4-40 lower-case letters, digits or dashes that no other project in this account uses), then run up again.`,
    });
  }
  return { id, written: true };
}
