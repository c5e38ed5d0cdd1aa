import { defineConfig } from 'vitest/config';

export default defineConfig({
  // A developer's own .env (e.g. one `otp-setup sandbox` wrote in this folder) must not leak into
  // the tests: Vite would put its VITE_* keys into process.env, and the example app build reads them.
  envDir: false,
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests each start their own moto server; two cores, so keep it modest.
    maxWorkers: 2,
  },
});
