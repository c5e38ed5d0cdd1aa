// Compiles src/ and handlers/ into dist/src/ and dist/handlers/, one file at a time (no bundling)
// and without type-checking: `npm run typecheck` (one `tsc --noEmit` over src, handlers and test)
// is the type-check, and `npm test` runs it (as part of `npm run typecheck-and-lint`). tsconfig.json's verbatimModuleSyntax (which implies
// isolatedModules) makes tsc reject any code that a file-at-a-time compiler could not emit as tsc
// would (type-only imports without `import type`, const enums across files, `export =`).
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCES = ['src', 'handlers'];

const entryPoints = [];
const jsonFiles = [];
for (const dir of SOURCES) {
  // No file of a source since deleted may stay behind to be loaded or published.
  await rm(join(root, 'dist', dir), { recursive: true, force: true });
  for (const file of await readdir(join(root, dir), { recursive: true })) {
    if (file.endsWith('.ts') && !file.endsWith('.d.ts')) entryPoints.push(join(dir, file));
    // Imported as `import x from './x.json' with { type: 'json' }`: tsc copied these beside the output.
    else if (file.endsWith('.json')) jsonFiles.push(join(dir, file));
  }
}

await build({
  absWorkingDir: root,
  entryPoints,
  outdir: 'dist',
  outbase: '.',
  bundle: false,
  format: 'esm',
  platform: 'node',
  // tsconfig.json's target. Import attributes are newer than ES2022, and esbuild would drop them
  // for that target without a word; Node 20 refuses a JSON import without its `type: 'json'`.
  target: 'es2022',
  supported: { 'import-attributes': true },
  tsconfig: 'tsconfig.json',
  charset: 'utf8',
  logLevel: 'warning',
});

for (const file of jsonFiles) {
  await mkdir(dirname(join(root, 'dist', file)), { recursive: true });
  await copyFile(join(root, file), join(root, 'dist', file));
}
