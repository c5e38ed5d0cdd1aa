import { defineConfig } from 'vitest/config';

export default defineConfig({
  // A developer's own .env (e.g. one `otp-setup sandbox` wrote in this folder) must not leak into
  // the tests: Vite would put its VITE_* keys into process.env, and the example app build reads them.
  envDir: false,
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests each start their own moto server; two cores, so keep it modest.
    maxWorkers: 2,
    projects: [
      // Nothing external, no build: `npm run test:unit` works on a fresh clone.
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      // What `npm run build` wrote (dist/), and tsc over generated and example code.
      { extends: true, test: { name: 'build', include: ['test/build/**/*.test.ts'] } },
      // The CLI against moto (moto_server on the PATH); a few runs spawn the built binary.
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts', 'test/reliability/**/*.test.ts'] } },
      // The sandbox, test-auth and the browser (Chromium), and the binary itself.
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'] } },
    ],
  },
});
