// Bundles the CLI (dist/src, commander and zod) into dist/src/cli/cli.js plus a chunk per
// command: Node then loads a handful of modules instead of ~50 of ours and ~100 of zod's
// (measured: `import('zod')` alone 70 ms as zod's own ES modules, 35 ms bundled). CDK's and
// wrangler's CLIs ship bundled the same way.
// - Each command stays a separate chunk (the dynamic `import('../commands/…')` in main.ts), so
//   `--help` loads only the CLI shell and commander.
// - The AWS SDK and the other packages stay external: src/aws/sdk.ts require()s SDK clients on
//   first use; esbuild, archiver, ora and @inquirer load only when their command needs them.
// - Splitting keeps every module once (one OtpError class for `instanceof`), and the chunks sit
//   in dist/src/cli, so paths built from import.meta.url (version.ts's ../../package.json,
//   package-root.ts walking up, createRequire) resolve as from the compiled output.
import { spawnSync } from 'node:child_process';
import { build } from 'esbuild';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cliDir = resolve(root, 'dist', 'src', 'cli');
const BUNDLED = new Set(['commander', 'zod']);
const CHUNK = /^(cli|chunk-.*)\.js$/;

// Chunk names carry a content hash: drop the previous build's.
for (const file of await readdir(cliDir)) if (CHUNK.test(file)) await rm(join(cliDir, file));

await build({
  entryPoints: { cli: resolve(cliDir, 'main.js') },
  outdir: cliDir,
  chunkNames: 'chunk-[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Smaller to parse; names are kept for --debug stack traces.
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: true,
  legalComments: 'none',
  logLevel: 'warning',
  // commander is CommonJS: its require('node:events') etc. need a real require in an ES module.
  banner: { js: "import { createRequire as __otpCreateRequire } from 'node:module'; const require = __otpCreateRequire(import.meta.url);" },
  plugins: [
    {
      name: 'packages-external',
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (args) => {
          const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
          if (args.path.startsWith('node:') || BUNDLED.has(name) || args.importer.includes('/node_modules/')) return undefined;
          return { path: args.path, external: true };
        });
      },
    },
  ],
});

// The V8 code cache of the SDK modules for Node 20 (bin/code-cache.js), made by the Node that builds.
const cacheDir = resolve(root, 'dist', 'code-cache');
await rm(cacheDir, { recursive: true, force: true });
await mkdir(cacheDir, { recursive: true });
const made = spawnSync(process.execPath, [resolve(root, 'scripts', 'make-code-cache.mjs'), cacheDir], {
  stdio: ['ignore', 'ignore', 'inherit'],
});
if (made.status !== 0) throw new Error(`scripts/make-code-cache.mjs exited with ${made.status}`);

// `otp-setup --help` to a pipe or file prints this (bin/otp-setup.js): commander's own output, saved.
const helpFile = resolve(root, 'dist', 'help.txt');
await rm(helpFile, { force: true });
const env = { ...process.env };
delete env.FORCE_COLOR;
delete env.CLICOLOR_FORCE;
const help = spawnSync(process.execPath, [resolve(root, 'bin', 'otp-setup.js'), '--help'], { env, encoding: 'utf8' });
if (help.status !== 0 || !help.stdout) throw new Error(`otp-setup --help exited with ${help.status}: ${help.stderr}`);
await writeFile(helpFile, help.stdout);
