// The example's whole UI: plain DOM, so the only thing to learn here is the otp-auth module.
import { currentUser, requestCode, signOut, submitCode, type OtpUser } from './auth/otp-auth';

type Screen = 'loading' | 'email' | 'code' | 'signed-in';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const emailForm = $<HTMLFormElement>('email-form');
const codeForm = $<HTMLFormElement>('code-form');
const signedIn = $<HTMLElement>('signed-in');
const status = $<HTMLParagraphElement>('status');
const emailInput = $<HTMLInputElement>('email');
const codeInput = $<HTMLInputElement>('code');

function show(screen: Screen, message = '', isError = false): void {
  emailForm.hidden = screen !== 'email';
  codeForm.hidden = screen !== 'code';
  signedIn.hidden = screen !== 'signed-in';
  status.textContent = message;
  status.classList.toggle('error', isError);
  document.body.dataset.screen = screen;
  if (screen === 'email') emailInput.focus();
  if (screen === 'code') codeInput.focus();
}

function showUser(user: OtpUser): void {
  $('who').textContent = `Signed in as ${user.email}`;
  show('signed-in');
}

async function busy(form: HTMLElement, work: () => Promise<void>): Promise<void> {
  const buttons = [...form.querySelectorAll('button')];
  buttons.forEach((b) => (b.disabled = true));
  try {
    await work();
  } finally {
    buttons.forEach((b) => (b.disabled = false));
  }
}

emailForm.addEventListener('submit', (event) => {
  event.preventDefault();
  void busy(emailForm, async () => {
    const result = await requestCode(emailInput.value);
    if (result.status === 'code-sent') {
      codeInput.value = '';
      show('code', `We sent a code to ${result.maskedEmail ?? emailInput.value.trim()}.`);
    } else if (result.status === 'signed-in') showUser(result.user);
    else show('email', result.message, true);
  });
});

codeForm.addEventListener('submit', (event) => {
  event.preventDefault();
  void busy(codeForm, async () => {
    const result = await submitCode(codeInput.value);
    if (result.status === 'signed-in') showUser(result.user);
    else if (result.status === 'wrong-code') {
      codeInput.value = '';
      show('code', `That code is not right. ${result.attemptsLeft} ${result.attemptsLeft === 1 ? 'attempt' : 'attempts'} left.`, true);
    } else show('email', result.message, true);
  });
});

$('restart').addEventListener('click', () => show('email'));

$('sign-out').addEventListener('click', () => {
  void busy(signedIn, async () => {
    await signOut();
    show('email', 'You are signed out.');
  });
});

show('loading', 'Loading…');
currentUser().then(
  (user) => (user ? showUser(user) : show('email')),
  (error: unknown) => show('email', error instanceof Error ? error.message : String(error), true),
);
