// Bundles the sandbox's sign-in page (sandbox-page/app.ts + the module `otp-setup scaffold` writes,
// with aws-amplify) into dist/sandbox-page/app.js, once, at build time: `otp-setup sandbox` serves
// the file and runs no bundler. Run after scripts/compile.mjs (it renders the module with the compiled code).
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { parseConfig } from '../dist/src/config/load-config.js';
import { renderClientModule } from '../dist/src/frontend/client-module.js';
import { envKeyNames } from '../dist/src/frontend/env-keys.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Inside the checkout, so esbuild finds aws-amplify in its node_modules; removed afterwards.
const work = join(root, 'dist', 'sandbox-page', 'src');
await mkdir(work, { recursive: true });

// The defaults a new project gets; the page reads its settings from the sandbox at run time.
const config = parseConfig({ email: { from: 'noreply@example.com' } }, 'sandbox page defaults');
const module = await renderClientModule({ frontend: config.frontend, maxAttempts: config.otp.maxAttempts, envAccess: 'process.env' });
await writeFile(join(work, 'otp-auth.ts'), module);
await copyFile(join(root, 'sandbox-page', 'app.ts'), join(work, 'app.ts'));

// The module reads process.env.<KEY>; the page defines those as globals before loading app.js.
const keys = envKeyNames(config.frontend);
const define = Object.fromEntries(
  Object.entries({ region: keys.region, userPoolId: keys.userPoolId, clientId: keys.clientId, endpoint: keys.endpoint }).map(
    ([name, key]) => [`process.env.${key}`, `__OTP_SANDBOX_${name.toUpperCase()}__`],
  ),
);
await build({
  entryPoints: [join(work, 'app.ts')],
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2020',
  minify: true,
  legalComments: 'none',
  define,
  outfile: join(root, 'dist', 'sandbox-page', 'app.js'),
  logLevel: 'warning',
});
await rm(work, { recursive: true, force: true });
