import { defineConfig } from 'vitest/config';

export default defineConfig({
  // A developer's own .env (e.g. one `otp-setup sandbox` wrote in this folder) must not leak into
  // the tests: Vite would put its VITE_* keys into process.env, and the example app build reads them.
  envDir: false,
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores; each integration worker runs one moto server besides.
    maxWorkers: 2,
    projects: [
      // Nothing external, no build: `npm run test:unit` (both unit projects) works on a fresh clone.
      // Not isolated, so the files of a worker load src/ once; a file that mocks a module
      // (vi.mock) or patches an SDK client class (aws-sdk-client-mock) would change them for the
      // files after it, so it is named *.isolated.test.ts and runs in a module graph of its own.
      {
        extends: true,
        test: {
          name: 'unit',
          isolate: false,
          setupFiles: ['test/support/no-leaks.ts'],
          include: ['test/unit/**/*.test.ts'],
          exclude: ['test/unit/**/*.isolated.test.ts'],
        },
      },
      { extends: true, test: { name: 'unit-isolated', include: ['test/unit/**/*.isolated.test.ts'] } },
      // What `npm run build` wrote (dist/), and tsc over generated and example code.
      { extends: true, test: { name: 'build', include: ['test/build/**/*.test.ts'] } },
      // The CLI against moto (moto_server on the PATH); a few runs spawn the built binary.
      // Not isolated: a worker runs its files one after another in one module graph, so the AWS
      // SDK and src/ load once per worker instead of once per file, and the files share the
      // worker's moto server (test/support/moto.ts workerMoto), emptied for each file and test.
      // A file here must leave the process as it found it: no process.env or cwd changes, no
      // process listeners, mocks, spies or fake timers left behind, IAM enforcement off again
      // (test/support/no-leaks.ts fails a file that leaves process.env, the working directory,
      // listeners on process, global fetch or fake timers changed).
      {
        extends: true,
        test: {
          name: 'integration',
          isolate: false,
          setupFiles: ['test/support/no-leaks.ts'],
          include: ['test/integration/**/*.test.ts', 'test/reliability/**/*.test.ts'],
        },
      },
      // The sandbox, test-auth and the browser (Chromium), and the binary itself. Not isolated,
      // for the same reasons and under the same rules as the integration tests.
      {
        extends: true,
        test: { name: 'e2e', isolate: false, setupFiles: ['test/support/no-leaks.ts'], include: ['test/e2e/**/*.test.ts'] },
      },
    ],
  },
});
