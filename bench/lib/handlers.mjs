// Handler bundles: zip size, module load time in a fresh process (a cold start's init phase),
// and time per invocation with SES faked out.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median } from './stats.mjs';
import { ROOT, run } from './processes.mjs';

const PROBE = new URL('./handler-probe.cjs', import.meta.url).pathname;
const CONFIG = { region: 'us-east-1', email: { from: 'noreply@example.com' } };
/** The stack secret the probe seals its Verify event with (32 bytes, base64url). */
const BENCH_KEY = Buffer.alloc(32, 7).toString('base64url');

async function loadDist(path) {
  return import(pathToFileURL(join(ROOT, 'dist', 'src', path)).href);
}

export async function measureHandlers({ runs, iterations }) {
  const [{ buildHandlers }, { FUNCTION_KINDS }, { handlerEnvironment }, { parseConfig }] = await Promise.all([
    loadDist('package/build-handlers.js'),
    loadDist('config/function-kinds.js'),
    loadDist('spec/handler-environment.js'),
    loadDist('config/load-config.js'),
  ]);
  const config = parseConfig(CONFIG);
  const built = await buildHandlers();
  const dir = await mkdtemp(join(tmpdir(), 'otp-bench-handlers-'));
  const results = {};
  try {
    for (const kind of FUNCTION_KINDS) {
      const bundle = join(dir, `${kind}.js`);
      await writeFile(bundle, built[kind].code);
      results[kind] = { zipBytes: built[kind].zip.length, samples: [] };
    }
    // Interleave kinds so drift spreads evenly.
    for (let i = 0; i < runs; i++) {
      for (const kind of FUNCTION_KINDS) {
        const env = {
          PATH: process.env.PATH,
          ...handlerEnvironment(kind, config, { hmacKey: BENCH_KEY }),
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'x',
          AWS_SECRET_ACCESS_KEY: 'x',
          AWS_LAMBDA_FUNCTION_NAME: `email-otp-${kind}`,
        };
        const r = await run(process.execPath, [PROBE, join(dir, `${kind}.js`), kind, join(ROOT, 'package.json'), String(iterations)], {
          env,
        });
        const line = r.stderr.split('\n').find((l) => l.startsWith('@@BENCH '));
        const sample = line ? JSON.parse(line.slice(8)) : { error: r.stderr.slice(-1000) };
        if (sample.error) throw new Error(`handler ${kind}: ${sample.error}`);
        if (kind === 'create-auth-challenge' && sample.sesCalls !== iterations + 1)
          throw new Error(`create sent ${sample.sesCalls} emails for ${iterations + 1} invocations`);
        results[kind].samples.push(sample);
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const summary = {};
  for (const [kind, r] of Object.entries(results)) {
    summary[kind] = {
      zipBytes: r.zipBytes,
      loadMs: median(r.samples.map((s) => s.loadMs)),
      firstMs: median(r.samples.map((s) => s.firstMs)),
      warmUs: median(r.samples.map((s) => s.warmUs)),
    };
  }
  return summary;
}
