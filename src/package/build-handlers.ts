import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { packageRoot } from './package-root.js';
import { zipSingleFile } from './zip.js';

export type FunctionKind = 'define-auth-challenge' | 'create-auth-challenge' | 'verify-auth-challenge' | 'pre-sign-up';

export const FUNCTION_KINDS: readonly FunctionKind[] = [
  'define-auth-challenge',
  'create-auth-challenge',
  'verify-auth-challenge',
  'pre-sign-up',
];

export interface EmailTemplates {
  subject: string;
  text: string;
  html: string;
}

export interface BuiltHandler {
  kind: FunctionKind;
  zip: Buffer;
  /** base64 of sha256(zip), exactly as Lambda reports CodeSha256. */
  codeSha256: string;
  /** Lambda `Handler` setting. */
  handler: string;
  /** The bundled JavaScript inside the zip. */
  code: string;
}

export interface BuildHandlersOptions<K extends FunctionKind = FunctionKind> {
  /** Defaults to templates/ in the package. Only the create function embeds them. */
  templates?: EmailTemplates;
  kinds?: readonly K[];
}

const ENTRY_FILE = 'index.js';
const HANDLER = 'index.handler';

export async function defaultTemplates(): Promise<EmailTemplates> {
  const dir = join(packageRoot(), 'templates');
  const [subject, text, html] = await Promise.all(
    ['subject.txt', 'body.txt', 'body.html'].map((f) => readFile(join(dir, f), 'utf8')),
  );
  // A subject is one line; the file's trailing newline is not part of it.
  return { subject: (subject ?? '').trim(), text: text ?? '', html: html ?? '' };
}

const cache = new Map<string, Promise<BuiltHandler>>();

export async function buildHandlers<K extends FunctionKind = FunctionKind>(
  opts: BuildHandlersOptions<K> = {},
): Promise<Record<K, BuiltHandler>> {
  const kinds = (opts.kinds ?? FUNCTION_KINDS) as readonly K[];
  const unknown = kinds.filter((k) => !FUNCTION_KINDS.includes(k));
  if (unknown.length > 0) throw new Error(`unknown function kind(s): ${unknown.join(', ')}`);
  const templates = opts.templates ?? (kinds.includes('create-auth-challenge' as K) ? await defaultTemplates() : undefined);
  if (templates !== undefined) assertTemplates(templates);

  const built = await Promise.all(kinds.map((kind) => buildCached(kind, kind === 'create-auth-challenge' ? templates : undefined)));
  const result = {} as Record<K, BuiltHandler>;
  kinds.forEach((kind, i) => {
    const b = built[i];
    // Copy so a caller mutating its Buffer cannot corrupt the per-process cache.
    if (b) result[kind] = { ...b, zip: Buffer.from(b.zip) };
  });
  return result;
}

function buildCached(kind: FunctionKind, templates: EmailTemplates | undefined): Promise<BuiltHandler> {
  const key = JSON.stringify([kind, templates ?? null]);
  let pending = cache.get(key);
  if (!pending) {
    pending = buildOne(kind, templates);
    cache.set(key, pending);
    pending.catch(() => cache.delete(key));
  }
  return pending;
}

async function buildOne(kind: FunctionKind, templates: EmailTemplates | undefined): Promise<BuiltHandler> {
  const root = packageRoot();
  const result = await build({
    absWorkingDir: root,
    entryPoints: [join(root, 'handlers', `${kind}.ts`)],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    // The nodejs22.x runtime ships SDK v3; bundling it would add ~1 MB per function.
    external: ['@aws-sdk/*'],
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    charset: 'utf8',
    write: false,
    logLevel: 'silent',
    // Ignore any tsconfig.json on disk: the bundle must not depend on where the CLI is installed.
    tsconfigRaw: {},
    define: templates ? { __OTP_EMAIL_TEMPLATES__: JSON.stringify(templates) } : {},
  });
  const files = result.outputFiles ?? [];
  const output = files[0];
  if (!output || files.length !== 1) throw new Error(`esbuild produced ${files.length} files for ${kind}`);
  const code = output.text;
  const zip = await zipSingleFile(ENTRY_FILE, Buffer.from(code, 'utf8'));
  return { kind, zip, codeSha256: sha256Base64(zip), handler: HANDLER, code };
}

export function sha256Base64(data: Buffer): string {
  return createHash('sha256').update(data).digest('base64');
}

function assertTemplates(t: EmailTemplates): void {
  for (const key of ['subject', 'text', 'html'] as const) {
    if (typeof t[key] !== 'string') throw new TypeError(`email template "${key}" must be a string`);
  }
  if (!/\{\{\s*code\s*\}\}/.test(t.text) || !/\{\{\s*code\s*\}\}/.test(t.html)) {
    throw new Error('email templates must contain {{code}} in both the text and the HTML body');
  }
}

/** Forget the per-process build cache (tests use it to prove a fresh build gives the same bytes). */
export function clearBuildCache(): void {
  cache.clear();
}
