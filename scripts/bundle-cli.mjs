// Bundles the CLI's start-up path (src/cli/* and commander) into one file, dist/src/cli/cli.js,
// the module bin/otp-setup.js loads: Node then reads and links one module instead of ~17, which
// is most of what `--help` and `--version` cost beyond Node's own start (as CDK's and wrangler's
// bundled CLIs do). Everything else stays as tsc wrote it and loads only when a command runs:
// - command modules (dynamic `import('../commands/…')`) and the SDK (src/aws/sdk.ts) stay external;
// - src/core/errors.js and src/aws/aws-errors.js stay external, so OtpError is one class for the
//   whole process (`instanceof` in format-error must see the commands' errors);
// - the bundle sits next to main.js, so every relative path (package.json in version.ts, the
//   external imports above) resolves exactly as before.
import { build } from 'esbuild';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cliDir = resolve(root, 'dist', 'src', 'cli');
// Our modules inlined into the bundle: the CLI shell and the dependency-free patterns it checks flags with.
const INLINE = [cliDir, resolve(root, 'dist', 'src', 'config', 'patterns.js')];
const inlined = (path) => INLINE.some((p) => path === p || path.startsWith(`${p}/`));

await build({
  entryPoints: [resolve(cliDir, 'main.js')],
  outfile: resolve(cliDir, 'cli.js'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Smaller to parse; names and line structure are kept enough for --debug stack traces.
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: true,
  legalComments: 'none',
  logLevel: 'warning',
  // commander is CommonJS: its require('node:events') etc. need a real require in an ES module.
  banner: { js: "import { createRequire as __otpCreateRequire } from 'node:module'; const require = __otpCreateRequire(import.meta.url);" },
  plugins: [
    {
      name: 'start-up-path-only',
      setup(b) {
        b.onResolve({ filter: /.*/ }, (args) => {
          if (args.kind === 'entry-point') return undefined;
          // Inside commander: bundle its own files and Node built-ins as usual.
          if (args.importer.includes('/node_modules/')) return undefined;
          if (args.path === 'commander') return undefined;
          if (args.path.startsWith('.') && args.kind === 'import-statement' && inlined(resolve(args.resolveDir, args.path))) return undefined;
          return { path: args.path, external: true };
        });
      },
    },
  ],
});
