// Bundles the Lambda handlers once at build time (run after scripts/compile.mjs), so `otp-setup up` starts no
// esbuild process; build-handlers falls back to esbuild when the sources changed since.
import { writePrebuiltBundles } from '../dist/src/package/build-handlers.js';

await writePrebuiltBundles();
