import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { FUNCTION_KINDS } from '../../src/config/function-kinds.js';
import { buildHandlers } from '../../src/package/build-handlers.js';
import { packageRoot } from '../../src/package/package-root.js';

// What `npm run build` wrote into dist/handler-bundles: run after the build (npm test builds first).

describe('prebuilt bundles', () => {
  it('are what esbuild makes from the current sources (npm run build wrote them), template slot included', async () => {
    const { bundleWithEsbuild } = await import('../../src/package/build-handlers.js');
    for (const kind of FUNCTION_KINDS) {
      const prebuilt = await readFile(`${packageRoot()}/dist/handler-bundles/${kind}.js`, 'utf8');
      expect(prebuilt, kind).toBe(await bundleWithEsbuild(kind));
    }
    expect(await bundleWithEsbuild('create-auth-challenge')).toContain('"@@OTP_SETUP_EMAIL_TEMPLATES@@"');
  });

  it('include zips of the default build that are byte for byte what zipping the same code gives', async () => {
    const { zipSingleFile } = await import('../../src/package/zip.js');
    const built = await buildHandlers();
    for (const kind of FUNCTION_KINDS) {
      const prebuilt = await readFile(`${packageRoot()}/dist/handler-bundles/${kind}.zip`);
      expect(built[kind].zip.equals(prebuilt), kind).toBe(true);
      expect((await zipSingleFile('index.js', Buffer.from(built[kind].code, 'utf8'))).equals(prebuilt), kind).toBe(true);
    }
  });
});
