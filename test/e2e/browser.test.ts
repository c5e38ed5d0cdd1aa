import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { editEnv } from '../../src/frontend/env-file.js';
import { envEntries } from '../../src/frontend/env-keys.js';
import { freePort } from '../support/free-port.js';

/**
 * The example app (examples/vite-app, built by Vite with the scaffolded module unchanged) in
 * headless Chromium against `otp-setup sandbox`: email → code from the mailbox → a wrong code →
 * the right one → signed in, still signed in after a reload, signed out.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLE = join(ROOT, 'examples', 'vite-app');
const SHOTS = join(ROOT, 'test-output', 'browser');
const CHROMIUM = '/usr/bin/chromium';
const SANDBOX_SUPPORT = join(ROOT, 'test', 'support', 'sandbox.ts');

interface Mail {
  code?: string;
  text: string;
  subject: string;
}
interface Sandbox {
  url: string;
  userPoolId: string;
  clientId: string;
  region: string;
  latestMail(email: string): Promise<Mail | undefined>;
  stop(): Promise<void>;
}

let work: string;
let sandbox: Sandbox | undefined;
let server: Server | undefined;
let browser: BrowserContext | undefined;
let appUrl: string;
const pageProblems: string[] = [];
/** Cognito calls that answered with an error, as "<operation> <status>". */
const failedCalls: string[] = [];
/** Every Cognito call, as "<operation> <status>". */
const allCalls: string[] = [];

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };

/** The built app, served as a static site would be (index.html for unknown paths). */
async function serve(dir: string): Promise<string> {
  const port = await freePort();
  server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    const file = join(dir, path === '/' ? 'index.html' : path);
    readFile(file)
      .then((body) => ({ body, type: TYPES[extname(file)] ?? 'application/octet-stream' }))
      .catch(async () => ({ body: await readFile(join(dir, 'index.html')), type: 'text/html' }))
      .then(({ body, type }) => res.writeHead(200, { 'content-type': type }).end(body))
      .catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
  return `http://127.0.0.1:${port}/`;
}

async function screen(page: Page, name: string): Promise<void> {
  await page.waitForSelector(`body[data-screen="${name}"]`, { timeout: 20_000 }).catch((err: unknown) => {
    throw new Error(`The app did not reach the "${name}" screen. Status: "${problemsHint()}"\n${String(err)}`);
  });
}

function problemsHint(): string {
  return pageProblems.length > 0 ? `page problems:\n  ${pageProblems.join('\n  ')}` : 'no console errors';
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

async function codeFromMailbox(email: string): Promise<string> {
  const deadline = Date.now() + 45_000;
  while (Date.now() < deadline) {
    const mail = await sandbox!.latestMail(email);
    if (mail?.code) return mail.code;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`No code reached the sandbox mailbox for ${email} within 45 s.`);
}

beforeAll(async () => {
  // Fail loudly, never skip: a browser test that silently does not run proves nothing.
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing, so the browser test cannot run. Install Debian's Chromium: apt-get install -y chromium`);
  }
  if (!existsSync(SANDBOX_SUPPORT)) {
    throw new Error(`${SANDBOX_SUPPORT} is missing: the browser test needs startSandbox() to run "otp-setup sandbox".`);
  }
  if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js'))) throw new Error('dist/ is missing: run "npm run build" first.');
  await mkdir(SHOTS, { recursive: true });
  work = await mkdtemp(join(tmpdir(), 'otp-browser-'));
  await copyFile(join(EXAMPLE, 'otp-setup.config.json'), join(work, 'otp-setup.config.json'));

  const support = (await import(SANDBOX_SUPPORT)) as { startSandbox(o: { cwd: string; port?: number }): Promise<Sandbox> };
  sandbox = await support.startSandbox({ cwd: work });

  // The sandbox points frontend.envFile at itself; merging the same entries again must be a no-op
  // (and writes them if a sandbox started with --no-env did not).
  const config = parseConfig(JSON.parse(await readFile(join(work, 'otp-setup.config.json'), 'utf8')), 'example config');
  const envFile = join(work, '.env.local');
  const before = await readFile(envFile, 'utf8').catch(() => '');
  const entries = envEntries(config.frontend, {
    region: sandbox.region,
    userPoolId: sandbox.userPoolId,
    clientId: sandbox.clientId,
    endpoint: sandbox.url,
  });
  await writeFile(envFile, editEnv(before, entries));

  await build({
    root: EXAMPLE,
    envDir: work,
    configFile: false,
    logLevel: 'warn',
    build: { outDir: join(work, 'dist'), emptyOutDir: true },
  });
  appUrl = await serve(join(work, 'dist'));

  browser = await chromium.launchPersistentContext(join(work, 'chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 720, height: 560 },
  });
  browser.on('response', (response) => {
    const target = response.request().headers()['x-amz-target'];
    if (target && response.status() >= 400) failedCalls.push(`${target.split('.').pop()} ${response.status()}`);
    if (target) allCalls.push(`${target.split('.').pop()} ${response.status()}`);
  });
}, 120_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await sandbox?.stop().catch(() => undefined);
  if (work) await rm(work, { recursive: true, force: true });
});

describe('example app in Chromium against otp-setup sandbox', () => {
  it('signs up and in by emailed code, survives a wrong code and a reload, and signs out', async () => {
    const page = browser!.pages()[0] ?? (await browser!.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error') pageProblems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => pageProblems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => pageProblems.push(`request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText ?? ''}`));

    const email = `browser-${randomUUID().slice(0, 8)}@example.com`;
    // A clock the test can move past the access token's 60 minutes.
    await page.clock.install();
    await page.goto(appUrl);
    await screen(page, 'email');
    await shot(page, '1-email');

    await page.fill('#email', email);
    await page.click('#email-form button[type=submit]');
    await screen(page, 'code');
    await expect.poll(() => page.textContent('#status')).toMatch(/We sent a code to/);
    await shot(page, '2-code-sent');

    const code = await codeFromMailbox(email);
    expect(code).toMatch(/^\d{6}$/);
    const wrong = [...code].map((d) => String((Number(d) + 1) % 10)).join('');
    await page.fill('#code', wrong);
    await page.click('#code-form button[type=submit]');
    await expect.poll(() => page.textContent('#status'), { timeout: 10_000 }).toBe('That code is not right. 2 attempts left.');
    await screen(page, 'code');
    await shot(page, '3-wrong-code');

    await page.fill('#code', code);
    await page.click('#code-form button[type=submit]');
    await screen(page, 'signed-in');
    expect(await page.textContent('#who')).toBe(`Signed in as ${email}`);
    await shot(page, '4-signed-in');

    await page.reload();
    await screen(page, 'signed-in');
    expect(await page.textContent('#who')).toBe(`Signed in as ${email}`);
    await shot(page, '5-after-reload');

    // 61 minutes on, the access token has expired: Amplify v6 refreshes it with
    // GetTokensFromRefreshToken, and the app still knows who is signed in.
    expect(allCalls).not.toContain('GetTokensFromRefreshToken 200');
    await page.clock.fastForward(61 * 60_000);
    await page.reload();
    await screen(page, 'signed-in');
    expect(await page.textContent('#who')).toBe(`Signed in as ${email}`);
    expect(allCalls).toContain('GetTokensFromRefreshToken 200');
    await shot(page, '5b-after-an-hour');

    await page.click('#sign-out');
    await screen(page, 'email');
    expect(await page.textContent('#status')).toBe('You are signed out.');
    await shot(page, '6-signed-out');
    await page.reload();
    await screen(page, 'email');

    // Chrome logs every 4xx as a console error; the expected ones are checked by name below.
    expect(pageProblems.filter((p) => !/status of 400/.test(p))).toEqual([]);
    expect(failedCalls).toEqual([]);
  }, 120_000);

  it('treats a returning user like a new one, and ends the sign-in after the last wrong code', async () => {
    const page = await browser!.newPage();
    const email = `returning-${randomUUID().slice(0, 8)}@example.com`;
    for (const round of [1, 2]) {
      await page.goto(appUrl);
      await screen(page, 'email');
      await page.fill('#email', email);
      await page.click('#email-form button[type=submit]');
      await screen(page, 'code');
      await expect.poll(() => page.textContent('#status')).toMatch(/We sent a code to/);
      if (round === 1) {
        await page.fill('#code', await codeFromMailbox(email));
        await page.click('#code-form button[type=submit]');
        await screen(page, 'signed-in');
        await page.click('#sign-out');
        await screen(page, 'email');
      }
    }
    // Round 2 signed up again, got UsernameExistsException, and still sent a code.
    expect(failedCalls).toEqual(['SignUp 400']);
    const code = await codeFromMailbox(email);
    const wrong = [...code].map((d) => String((Number(d) + 5) % 10)).join('');
    for (const left of [2, 1]) {
      await page.fill('#code', wrong);
      await page.click('#code-form button[type=submit]');
      await expect
        .poll(() => page.textContent('#status'), { timeout: 10_000 })
        .toBe(`That code is not right. ${left} ${left === 1 ? 'attempt' : 'attempts'} left.`);
    }
    await page.fill('#code', wrong);
    await page.click('#code-form button[type=submit]');
    await screen(page, 'email');
    expect(await page.textContent('#status')).toBe('Too many wrong codes. Request a new one.');
    await shot(page, '7-too-many-attempts');
    expect(failedCalls).toEqual(['SignUp 400', 'RespondToAuthChallenge 400']);
  }, 120_000);

  it("shows otp-setup's own rate limit as such (not as an address that cannot be used)", async () => {
    // The example config keeps the default limit: 5 codes per address per 15 minutes, counted in
    // fixed 15-minute windows of the clock (handlers/shared/rate-limit.ts). Codes asked for on both
    // sides of a window's end are counted apart, so an attempt that crossed one is made again.
    const window = () => Math.floor(Date.now() / (15 * 60_000));
    const page = await browser!.newPage();
    for (let attempt = 1; ; attempt += 1) {
      const started = window();
      const email = `limited-${randomUUID().slice(0, 8)}@example.com`;
      for (let round = 1; round <= 5; round += 1) {
        await page.goto(appUrl);
        await screen(page, 'email');
        await page.fill('#email', email);
        await page.click('#email-form button[type=submit]');
        await screen(page, 'code');
      }
      failedCalls.length = 0;
      await page.goto(appUrl);
      await screen(page, 'email');
      await page.fill('#email', email);
      await page.click('#email-form button[type=submit]');
      // Cognito's UserLambdaValidationException "CreateAuthChallenge failed with error Too many…".
      await expect
        .poll(() => page.textContent('#status'), { timeout: 10_000 })
        .toMatch(/^(Too many sign-in codes requested for this address\. Try again in \d+ minutes?\.|We sent a code to .*)$/);
      if (window() !== started && attempt === 1 && (await page.textContent('#status'))!.startsWith('We sent a code')) continue;
      expect(await page.textContent('#status')).toMatch(
        /^Too many sign-in codes requested for this address\. Try again in \d+ minutes?\.$/,
      );
      await screen(page, 'email');
      await shot(page, '8-rate-limited');
      expect(failedCalls).toEqual(['SignUp 400', 'InitiateAuth 400']);
      return;
    }
  }, 120_000);
});
