import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../support/sandbox.js';

/**
 * The sandbox's own sign-in page (`otp-setup sandbox` in an empty folder, no config), driven in
 * headless Chromium as a developer would: email → the code from the page's mailbox panel →
 * signed in with verified claims → a forced refresh → an hour later the page still works
 * (Amplify refreshes the expired access token) → sign out.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SHOTS = join(ROOT, 'test-output', 'sandbox-page');
const CHROMIUM = '/usr/bin/chromium';

let work: string;
let sandbox: RunningSandbox | undefined;
let browser: BrowserContext | undefined;
const problems: string[] = [];
/** Every Cognito call the page made, as "<operation> <status>". */
const calls: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing, so the browser test cannot run. Install Debian's Chromium: apt-get install -y chromium`);
  if (!existsSync(join(ROOT, 'dist', 'sandbox-page', 'app.js')))
    throw new Error('dist/sandbox-page/app.js is missing: run "npm run build" first.');
  await mkdir(SHOTS, { recursive: true });
  work = await mkdtemp(join(tmpdir(), 'otp-sandbox-page-'));
  sandbox = await startSandbox({ cwd: work });
  browser = await chromium.launchPersistentContext(join(work, 'chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport: { width: 1100, height: 760 },
  });
  browser.on('response', (response) => {
    const target = response.request().headers()['x-amz-target'];
    if (target) calls.push(`${target.split('.').pop()} ${response.status()}`);
  });
}, 120_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await sandbox?.stop().catch(() => undefined);
  if (work) await rm(work, { recursive: true, force: true });
});

async function screen(page: Page, name: string): Promise<void> {
  await page.waitForSelector(`body[data-screen="${name}"]`, { timeout: 20_000 }).catch(async (err: unknown) => {
    throw new Error(
      `The page did not reach "${name}". Status: "${await page.textContent('#status')}"; ${problems.join('; ')}\n${String(err)}`,
    );
  });
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

describe('the sandbox sign-in page in Chromium, from an empty folder', () => {
  it('signs in by the code shown in its mailbox panel, shows verified claims, refreshes, survives an expired access token and signs out', async () => {
    const page = browser!.pages()[0] ?? (await browser!.newPage());
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) problems.push(`console: ${m.text()}`);
    });
    // A clock the test can move: the access token lives 60 minutes.
    await page.clock.install();
    await page.goto(`${sandbox!.url}/`);
    await screen(page, 'email');
    await shot(page, '1-email');

    const email = `page-${randomUUID().slice(0, 8)}@example.com`;
    await page.fill('#email', email);
    await page.click('#email-form button[type=submit]');
    await screen(page, 'code');
    // The code as the page's mailbox panel shows it (it polls the sandbox's mailbox every second).
    const entry = page.locator('#mails li', { hasText: email }).first();
    await entry.waitFor({ timeout: 45_000 });
    const code = (await entry.locator('.code').textContent())!.trim();
    expect(code).toMatch(/^\d{6}$/);
    await shot(page, '2-code-in-mailbox');

    await page.fill('#code', code);
    await page.click('#code-form button[type=submit]');
    await screen(page, 'signed-in');
    expect(await page.textContent('#who')).toBe(`Signed in as ${email}`);
    await expect.poll(() => page.textContent('#verdict')).toMatch(/^ID token verified/);
    const claims = JSON.parse((await page.textContent('#claims'))!) as Record<string, unknown>;
    expect(claims).toMatchObject({ email, token_use: 'id', iss: `${sandbox!.url}/${sandbox!.userPoolId}`, aud: sandbox!.clientId });
    await shot(page, '3-signed-in');

    await page.click('#refresh');
    await expect.poll(() => page.textContent('#status')).toBe('Tokens refreshed.');
    expect(calls).toContain('GetTokensFromRefreshToken 200');
    await shot(page, '4-refreshed');

    // An hour and a minute later the access token has expired: Amplify refreshes it on reload.
    const refreshesBefore = calls.filter((c) => c === 'GetTokensFromRefreshToken 200').length;
    await page.clock.fastForward(61 * 60_000);
    await page.reload();
    await screen(page, 'signed-in');
    expect(await page.textContent('#who')).toBe(`Signed in as ${email}`);
    expect(calls.filter((c) => c === 'GetTokensFromRefreshToken 200').length).toBeGreaterThan(refreshesBefore);
    await expect.poll(() => page.textContent('#verdict')).toMatch(/^ID token verified/);
    await shot(page, '5-after-an-hour');

    await page.click('#sign-out');
    await screen(page, 'email');
    expect(await page.textContent('#status')).toBe('You are signed out.');
    expect(calls).toContain('RevokeToken 200');
    await shot(page, '6-signed-out');

    expect(calls.filter((c) => !c.endsWith(' 200') && c !== 'SignUp 400')).toEqual([]);
    expect(problems).toEqual([]);
  }, 120_000);
});
