// The sandbox's sign-in page: the module `otp-setup scaffold` writes, unchanged, driving a small
// UI, with the sandbox's mailbox beside it. Bundled once by `npm run build`
// (scripts/build-sandbox-page.mjs) into dist/sandbox-page/app.js; the sandbox serves that file.
import { fetchAuthSession } from 'aws-amplify/auth';
import { currentUser, requestCode, signOut, submitCode, type OtpUser } from './otp-auth';

interface Mail {
  to: string;
  subject: string;
  code?: string;
  at: string;
}

type Screen = 'loading' | 'email' | 'code' | 'signed-in';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const status = $<HTMLParagraphElement>('status');

function show(screen: Screen, message = '', isError = false): void {
  $('email-form').hidden = screen !== 'email';
  $('code-form').hidden = screen !== 'code';
  $('signed-in').hidden = screen !== 'signed-in';
  status.textContent = message;
  status.classList.toggle('error', isError);
  document.body.dataset.screen = screen;
  if (screen === 'email') $<HTMLInputElement>('email').focus();
  if (screen === 'code') $<HTMLInputElement>('code').focus();
}

const b64urlBytes = (s: string): Uint8Array =>
  Uint8Array.from(
    atob(
      s
        .replace(/-/g, '+')
        .replace(/_/g, '/')
        .padEnd(Math.ceil(s.length / 4) * 4, '='),
    ),
    (c) => c.charCodeAt(0),
  );
const b64urlJson = (s: string): Record<string, unknown> => JSON.parse(new TextDecoder().decode(b64urlBytes(s))) as Record<string, unknown>;

/**
 * Checks an ID token the way a backend would: RS256 signature against the pool's JWKS, issuer,
 * audience, token_use and expiry. Returns its claims, or throws saying what is wrong.
 */
async function verifyIdToken(token: string): Promise<Record<string, unknown>> {
  const [h, p, sig] = token.split('.') as [string, string, string];
  const header = b64urlJson(h);
  const claims = b64urlJson(p);
  const iss = String(claims.iss);
  const res = await fetch(`${iss}/.well-known/jwks.json`, { cache: 'no-store' });
  // Expiry is judged by the pool's clock (the response's Date), as a backend beside it would:
  // a browser whose clock is off would otherwise call a fresh token expired.
  const serverNow = Date.parse(res.headers.get('date') ?? '') || Date.now();
  const { keys } = (await res.json()) as { keys: Array<JsonWebKey & { kid: string }> };
  const jwk = keys.find((k) => k.kid === header.kid);
  if (!jwk) throw new Error(`no key ${String(header.kid)} in the JWKS`);
  const key = await crypto.subtle.importKey('jwk', jwk, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['verify']);
  const ok = await crypto.subtle.verify('RSASSA-PKCS1-v1_5', key, b64urlBytes(sig), new TextEncoder().encode(`${h}.${p}`));
  if (!ok) throw new Error('bad signature');
  const cfg = window.__OTP_SANDBOX__;
  if (iss !== `${location.origin}/${cfg.userPoolId}`) throw new Error(`issuer ${iss} is not this pool`);
  if (claims.aud !== cfg.clientId) throw new Error('audience is not this app client');
  if (claims.token_use !== 'id') throw new Error('not an ID token');
  if (Number(claims.exp) * 1000 <= serverNow) throw new Error('expired');
  return claims;
}

async function showUser(user: OtpUser): Promise<void> {
  $('who').textContent = `Signed in as ${user.email}`;
  show('signed-in');
  await showClaims();
}

async function showClaims(forceRefresh = false): Promise<void> {
  const { tokens } = await fetchAuthSession({ forceRefresh });
  const id = tokens?.idToken?.toString();
  if (!id) throw new Error('Amplify holds no ID token.');
  try {
    const claims = await verifyIdToken(id);
    $('verdict').textContent = 'ID token verified (signature against the JWKS, issuer, audience, expiry).';
    $('claims').textContent = JSON.stringify(claims, null, 2);
    $('issued').textContent = new Date(Number(claims.iat) * 1000).toISOString();
    $('expires').textContent = new Date(Number(claims.exp) * 1000).toISOString();
  } catch (error) {
    $('verdict').textContent = `ID token NOT verified: ${(error as Error).message}`;
  }
}

async function busy(form: HTMLElement, work: () => Promise<void>): Promise<void> {
  const buttons = [...form.querySelectorAll('button')];
  buttons.forEach((b) => (b.disabled = true));
  try {
    await work();
  } catch (error) {
    show(document.body.dataset.screen as Screen, (error as Error).message, true);
  } finally {
    buttons.forEach((b) => (b.disabled = false));
  }
}

$('email-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void busy($('email-form'), async () => {
    const email = $<HTMLInputElement>('email').value;
    const result = await requestCode(email);
    if (result.status === 'code-sent') {
      $<HTMLInputElement>('code').value = '';
      show('code', `We sent a code to ${result.maskedEmail ?? email.trim()}. It is in the mailbox on the right.`);
    } else if (result.status === 'signed-in') await showUser(result.user);
    else show('email', result.message, true);
  });
});

$('code-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void busy($('code-form'), async () => {
    const result = await submitCode($<HTMLInputElement>('code').value);
    if (result.status === 'signed-in') await showUser(result.user);
    else if (result.status === 'wrong-code')
      show('code', `That code is not right. ${result.attemptsLeft} ${result.attemptsLeft === 1 ? 'attempt' : 'attempts'} left.`, true);
    else show(result.reason === 'too-many-attempts' || result.reason === 'expired' ? 'email' : 'code', result.message, true);
  });
});

$('refresh').addEventListener('click', () => {
  void busy($('signed-in'), async () => {
    await showClaims(true);
    status.textContent = 'Tokens refreshed.';
  });
});

$('sign-out').addEventListener('click', () => {
  void busy($('signed-in'), async () => {
    await signOut();
    show('email', 'You are signed out.');
  });
});

// The mailbox panel: what the sandbox's SES caught, newest first.
let seen = '';
async function pollMailbox(): Promise<void> {
  try {
    const { mails } = (await (await fetch('/_sandbox/mailbox', { cache: 'no-store' })).json()) as { mails: Mail[] };
    const key = mails.map((m) => m.at + m.to).join('|');
    if (key !== seen) {
      seen = key;
      const list = $('mails');
      list.replaceChildren(
        ...[...mails].reverse().map((m) => {
          const li = document.createElement('li');
          const code = document.createElement('strong');
          code.className = 'code';
          code.textContent = m.code ?? '—';
          const meta = document.createElement('span');
          meta.textContent = ` to ${m.to} · ${m.subject} · ${m.at.slice(11, 19)}`;
          li.append(code, meta);
          return li;
        }),
      );
      if (mails.length === 0) list.innerHTML = '<li class="empty">No email yet.</li>';
    }
  } catch {
    // the sandbox is restarting; try again on the next tick
  }
}
setInterval(() => void pollMailbox(), 1000);
void pollMailbox();

void (async () => {
  try {
    const user = await currentUser();
    if (user) await showUser(user);
    else show('email');
  } catch (error) {
    show('email', (error as Error).message, true);
  }
})();

declare global {
  interface Window {
    __OTP_SANDBOX__: { userPoolId: string; clientId: string; region: string; endpoint: string };
  }
}
