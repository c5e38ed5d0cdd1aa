import type { StoredMail } from './sandbox-store.js';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A page a developer keeps open next to the app: newest first, refreshes itself. */
export function mailboxPage(mails: readonly StoredMail[], info: { userPoolId: string; clientId: string; url: string }): string {
  const rows = [...mails]
    .reverse()
    .map(
      (m) => `<article><header><strong>${escape(m.subject)}</strong> → ${escape(m.to)} <time>${escape(m.at)}</time></header>
${m.code ? `<p class="code">${escape(m.code)}</p>` : ''}<pre>${escape(m.text)}</pre></article>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="3">
<title>otp-setup sandbox mailbox</title>
<style>body{font:15px system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}article{border:1px solid #ccc;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}.code{font:700 2rem ui-monospace,monospace;letter-spacing:.2em}time{color:#666;font-size:.85em}pre{white-space:pre-wrap}</style>
</head><body>
<h1>Sandbox mailbox</h1>
<p>Endpoint <code>${escape(info.url)}</code> · pool <code>${escape(info.userPoolId)}</code> · client <code>${escape(info.clientId)}</code> · JSON: <code>/_sandbox/mailbox/latest?email=…</code></p>
${rows || '<p>No email yet. Sign in from your app and the code shows up here.</p>'}
</body></html>`;
}
