import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../package/package-root.js';

/** The prebuilt page script (scripts/build-sandbox-page.mjs), or undefined in a checkout that was never built. */
export async function loadSignInApp(): Promise<Buffer | undefined> {
  return readFile(join(packageRoot(), 'dist', 'sandbox-page', 'app.js')).catch(() => undefined);
}

export interface SignInPageInfo {
  /** The address the browser used (the page talks to the sandbox at its own origin). */
  url: string;
  region: string;
  userPoolId: string;
  clientId: string;
  appBuilt: boolean;
}

// Inside <script>, a JSON string could close the element; escape what could.
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');
const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The sandbox's home page: sign in with an emailed code through the scaffolded module, the
 * mailbox beside it, the verified claims after. Everything it needs comes from the sandbox itself.
 */
export function signInPage(info: SignInPageInfo): string {
  const settings = { region: info.region, userPoolId: info.userPoolId, clientId: info.clientId, endpoint: info.url };
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>otp-setup sandbox · sign in</title>
<style>
body{font:15px system-ui,sans-serif;margin:0;color:#1d1d1f;background:#f6f6f7}
header{padding:.8rem 1.5rem;background:#232f3e;color:#fff}header code{color:#ffd28a}
main{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:1.5rem;padding:1.5rem;max-width:72rem;margin:auto}
section{background:#fff;border:1px solid #ddd;border-radius:8px;padding:1rem 1.25rem}
h2{margin-top:0;font-size:1.1rem}label{display:block;margin:.5rem 0 .25rem}
input{font:inherit;padding:.45rem .6rem;width:100%;box-sizing:border-box;border:1px solid #bbb;border-radius:5px}
button{font:inherit;margin-top:.75rem;padding:.45rem 1rem;border:0;border-radius:5px;background:#ff9900;color:#111;cursor:pointer}
button.secondary{background:#e8e8ea}#status.error{color:#b00020}
pre{background:#f3f3f5;padding:.6rem;border-radius:5px;overflow:auto;font-size:12px;max-height:22rem}
#mails{list-style:none;padding:0;margin:0}#mails li{padding:.45rem 0;border-bottom:1px solid #eee}
.code{font:700 1.3rem ui-monospace,monospace;letter-spacing:.15em;margin-right:.4rem}.empty{color:#777}
@media (max-width:760px){main{grid-template-columns:1fr}}
</style>
<script>${['region', 'userPoolId', 'clientId', 'endpoint'].map((k) => `window.__OTP_SANDBOX_${k.toUpperCase()}__=${scriptJson(settings[k as keyof typeof settings])};`).join('')}window.__OTP_SANDBOX__=${scriptJson(settings)};</script>
</head><body data-screen="loading">
<header><strong>otp-setup sandbox</strong> · pool <code>${escape(info.userPoolId)}</code> · client <code>${escape(info.clientId)}</code></header>
<main>
<section id="app"><h2>Sign in with an emailed code</h2>
${info.appBuilt ? '' : '<p id="status" class="error">The page script is missing: run "npm run build" in the otp-setup checkout.</p>'}
<form id="email-form" hidden><label for="email">Email</label><input id="email" type="email" autocomplete="email" required placeholder="you@example.com"><button type="submit">Email me a code</button></form>
<form id="code-form" hidden><label for="code">Code</label><input id="code" inputmode="numeric" autocomplete="one-time-code" required><button type="submit">Sign in</button></form>
<div id="signed-in" hidden><p id="who"></p><p id="verdict"></p>
<p>Issued <span id="issued"></span> · expires <span id="expires"></span></p>
<pre id="claims"></pre>
<button id="refresh" type="button" class="secondary">Refresh tokens</button> <button id="sign-out" type="button">Sign out</button></div>
${info.appBuilt ? '<p id="status" role="status"></p>' : ''}
</section>
<section><h2>Mailbox</h2><p>Every email the sandbox caught; <a href="/_sandbox">full view</a>.</p><ul id="mails"><li class="empty">No email yet.</li></ul></section>
</main>
${info.appBuilt ? '<script src="/_sandbox/app.js"></script>' : ''}
</body></html>`;
}
