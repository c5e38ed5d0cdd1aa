import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { packageRoot } from './package-root.js';
import { zipSingleFile } from './zip.js';
import { FUNCTION_KINDS, type FunctionKind } from '../config/function-kinds.js';
import type { BuiltHandler } from '../core/built-handler.js';

export interface EmailTemplates {
  subject: string;
  text: string;
  html: string;
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
  const [subject, text, html] = await Promise.all(['subject.txt', 'body.txt', 'body.html'].map((f) => readFile(join(dir, f), 'utf8')));
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
  void bundles().catch(() => undefined); // started now, while the templates are read
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

/**
 * The create bundle carries this string literal where the templates go; filling it is a string
 * substitution, so choosing templates needs no bundler run at deploy time.
 */
const TEMPLATE_SLOT = '"@@OTP_SETUP_EMAIL_TEMPLATES@@"';

async function buildOne(kind: FunctionKind, templates: EmailTemplates | undefined): Promise<BuiltHandler> {
  const prebuilt = await bundles();
  let code = prebuilt.codes[kind];
  if (templates) {
    const parts = code.split(TEMPLATE_SLOT);
    if (parts.length !== 2) throw new Error(`the ${kind} bundle has ${parts.length - 1} template slots, expected 1`);
    code = parts.join(JSON.stringify(templates));
  }
  // `npm run build` zipped the default bundles; the same code gives the same bytes, so reuse them.
  const zip =
    prebuilt.zips[kind]?.codeSha256 === sha256Base64(Buffer.from(code, 'utf8'))
      ? await readFile(prebuilt.zips[kind].path)
      : await zipSingleFile(ENTRY_FILE, Buffer.from(code, 'utf8'));
  return { kind, zip, codeSha256: sha256Base64(zip), handler: HANDLER, code };
}

/** Bundles one handler from its TypeScript sources (the runtime's own SDK left out). */
export async function bundleWithEsbuild(kind: FunctionKind): Promise<string> {
  const root = packageRoot();
  const { build } = await import('esbuild');
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
    define: kind === 'create-auth-challenge' ? { __OTP_EMAIL_TEMPLATES__: TEMPLATE_SLOT } : {},
  });
  const files = result.outputFiles ?? [];
  const output = files[0];
  if (!output || files.length !== 1) throw new Error(`esbuild produced ${files.length} files for ${kind}`);
  return output.text;
}

/** Digest of everything a bundle is made from: the handler sources and the bundler version. */
async function sourceDigest(): Promise<string> {
  const root = packageRoot();
  const hash = createHash('sha256');
  const esbuildVersion = (createRequire(import.meta.url)('esbuild/package.json') as { version: string }).version;
  hash.update(`esbuild ${esbuildVersion}\n`);
  const files = (await readdir(join(root, 'handlers'), { recursive: true })).filter((f) => f.endsWith('.ts')).sort();
  // Read at once, hashed in order: every `up` checks this, so it must not wait on one file at a time.
  const contents = await Promise.all(files.map((file) => readFile(join(root, 'handlers', file))));
  files.forEach((file, i) => {
    hash.update(`${relative(root, join(root, 'handlers', file))}\n`);
    hash.update(contents[i]!);
  });
  return hash.digest('hex');
}

const prebuiltDir = (): string => join(packageRoot(), 'dist', 'handler-bundles');

interface Bundles {
  codes: Record<FunctionKind, string>;
  /** Zips `npm run build` made, each with the digest of the code inside it. */
  zips: Partial<Record<FunctionKind, { path: string; codeSha256: string }>>;
}

interface Manifest {
  digest?: string;
  zips?: Partial<Record<FunctionKind, string>>;
}

let bundlesPromise: Promise<Bundles> | undefined;

const byKind = <T>(values: readonly T[]): Record<FunctionKind, T> =>
  Object.fromEntries(FUNCTION_KINDS.map((k, i) => [k, values[i]!])) as Record<FunctionKind, T>;

/**
 * The four bundles: the ones `npm run build` wrote when they match the sources (so `up` starts
 * no bundler process), else fresh from esbuild.
 */
function bundles(): Promise<Bundles> {
  bundlesPromise ??= (async () => {
    // Read together: the digest of the sources, and the prebuilt bundles it has to match.
    const reading = Promise.all([
      readFile(join(prebuiltDir(), 'manifest.json'), 'utf8'),
      Promise.all(FUNCTION_KINDS.map((k) => readFile(join(prebuiltDir(), `${k}.js`), 'utf8'))),
    ]);
    reading.catch(() => undefined);
    const digest = await sourceDigest();
    try {
      const [text, codes] = await reading;
      const manifest = JSON.parse(text) as Manifest;
      if (manifest.digest === digest) {
        const zips: Bundles['zips'] = {};
        for (const k of FUNCTION_KINDS) {
          const sha = manifest.zips?.[k];
          if (sha) zips[k] = { path: join(prebuiltDir(), `${k}.zip`), codeSha256: sha };
        }
        return { codes: byKind(codes), zips };
      }
    } catch {
      // No prebuilt bundles (a source checkout before `npm run build`): bundle now.
    }
    return { codes: byKind(await Promise.all(FUNCTION_KINDS.map(bundleWithEsbuild))), zips: {} };
  })();
  bundlesPromise.catch(() => (bundlesPromise = undefined));
  return bundlesPromise;
}

/**
 * Run by `npm run build`: bundles every handler once, and zips each with the default templates,
 * recording the digest of what they were made from.
 */
export async function writePrebuiltBundles(): Promise<void> {
  const [digest, codes, templates] = await Promise.all([
    sourceDigest(),
    Promise.all(FUNCTION_KINDS.map(bundleWithEsbuild)),
    defaultTemplates(),
  ]);
  await mkdir(prebuiltDir(), { recursive: true });
  const manifest: Manifest = { digest, zips: {} };
  await Promise.all(
    FUNCTION_KINDS.map(async (k, i) => {
      const code = codes[i]!;
      const filled = k === 'create-auth-challenge' ? code.split(TEMPLATE_SLOT).join(JSON.stringify(templates)) : code;
      await writeFile(join(prebuiltDir(), `${k}.js`), code);
      await writeFile(join(prebuiltDir(), `${k}.zip`), await zipSingleFile(ENTRY_FILE, Buffer.from(filled, 'utf8')));
      manifest.zips![k] = sha256Base64(Buffer.from(filled, 'utf8'));
    }),
  );
  await writeFile(join(prebuiltDir(), 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
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
  bundlesPromise = undefined;
}
