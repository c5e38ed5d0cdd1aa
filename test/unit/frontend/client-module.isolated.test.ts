import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/**
 * The generated module's decisions (sign up first, attempts, error mapping) with Amplify's auth
 * calls replaced; the browser test runs the same module against the sandbox for real.
 */
const auth = vi.hoisted(() => ({
  signUp: vi.fn(),
  signIn: vi.fn(),
  confirmSignIn: vi.fn(),
  signOut: vi.fn(),
  getCurrentUser: vi.fn(),
  fetchAuthSession: vi.fn(),
}));
vi.mock('aws-amplify/auth', () => auth);

type Client = typeof import('../../../examples/vite-app/src/auth/otp-auth.js');

function named(name: string, message = name): Error {
  return Object.assign(new Error(message), { name });
}

const CHALLENGE = {
  isSignedIn: false,
  nextStep: { signInStep: 'CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE', additionalInfo: { maskedEmail: 'a***@example.com' } },
};

async function load(env: Record<string, string> = {}): Promise<Client> {
  vi.resetModules();
  vi.stubEnv('VITE_AWS_REGION', env.region ?? 'us-east-1');
  vi.stubEnv('VITE_EMAIL_OTP_USER_POOL_ID', env.pool ?? 'us-east-1_Pool1');
  vi.stubEnv('VITE_EMAIL_OTP_CLIENT_ID', 'client1');
  return import('../../../examples/vite-app/src/auth/otp-auth.js');
}

beforeEach(() => {
  for (const fn of Object.values(auth)) fn.mockReset();
  auth.signUp.mockResolvedValue({ isSignUpComplete: true, nextStep: { signUpStep: 'DONE' } });
  auth.signIn.mockResolvedValue(CHALLENGE);
  auth.getCurrentUser.mockResolvedValue({ userId: 'sub-1', username: 'sub-1', signInDetails: { loginId: 'a@example.com' } });
  auth.fetchAuthSession.mockResolvedValue({ tokens: { idToken: { payload: { email: 'a@example.com' } } } });
});
afterEach(() => vi.unstubAllEnvs());

describe('generated otp-auth module', () => {
  it('signs up (email as username, no attributes the client may not write, random password) then signs in with CUSTOM_WITHOUT_SRP', async () => {
    const client = await load();
    expect(await client.requestCode('  A@Example.com ')).toEqual({ status: 'code-sent', maskedEmail: 'a***@example.com' });
    const signUpInput = auth.signUp.mock.calls[0]![0] as { username: string; password: string; options?: unknown };
    expect(signUpInput.username).toBe('a@example.com');
    // The pool fills email from the username (UsernameAttributes=email): nothing else to send.
    expect(signUpInput.options).toBeUndefined();
    expect(signUpInput.password).toMatch(/^(?=.*[A-Z])(?=.*[a-z])(?=.*\d)(?=.*[^A-Za-z0-9]).{40}$/);
    expect(auth.signIn).toHaveBeenCalledWith({ username: 'a@example.com', options: { authFlowType: 'CUSTOM_WITHOUT_SRP' } });
  });

  it('answers an existing account exactly like a new one', async () => {
    const client = await load();
    auth.signUp.mockRejectedValue(named('UsernameExistsException'));
    expect(await client.requestCode('a@example.com')).toEqual({ status: 'code-sent', maskedEmail: 'a***@example.com' });
  });

  it('signs out a previous user before signing in a new one', async () => {
    const client = await load();
    auth.signIn.mockRejectedValueOnce(named('UserAlreadyAuthenticatedException'));
    expect((await client.requestCode('b@example.com')).status).toBe('code-sent');
    expect(auth.signOut).toHaveBeenCalledOnce();
    expect(auth.signIn).toHaveBeenCalledTimes(2);
  });

  it('counts wrong codes down, then reports too many attempts', async () => {
    const client = await load();
    await client.requestCode('a@example.com');
    auth.confirmSignIn.mockResolvedValue(CHALLENGE);
    expect(await client.submitCode('111111')).toEqual({ status: 'wrong-code', attemptsLeft: 2 });
    expect(await client.submitCode('222222')).toEqual({ status: 'wrong-code', attemptsLeft: 1 });
    auth.confirmSignIn.mockRejectedValue(named('NotAuthorizedException', 'Incorrect username or password.'));
    expect(await client.submitCode('333333')).toMatchObject({ status: 'failed', reason: 'too-many-attempts' });
    expect(await client.submitCode('444444')).toMatchObject({ status: 'failed', reason: 'no-pending-sign-in' });
  });

  it('signs in with the right code (spaces ignored) and reports the user', async () => {
    const client = await load();
    await client.requestCode('a@example.com');
    auth.confirmSignIn.mockResolvedValue({ isSignedIn: true, nextStep: { signInStep: 'DONE' } });
    expect(await client.submitCode(' 123 456\n')).toEqual({ status: 'signed-in', user: { userId: 'sub-1', email: 'a@example.com' } });
    expect(auth.confirmSignIn).toHaveBeenCalledWith({ challengeResponse: '123456' });
  });

  it('maps expiry, rejected sign-up, bad input and being signed out', async () => {
    const client = await load();
    expect(await client.requestCode('not-an-email')).toMatchObject({ status: 'failed', reason: 'invalid-email' });
    auth.signUp.mockRejectedValueOnce(named('UserLambdaValidationException', 'PreSignUp failed with error Domain not allowed.'));
    expect(await client.requestCode('a@blocked.example')).toMatchObject({ status: 'failed', reason: 'sign-up-rejected' });
    await client.requestCode('a@example.com');
    auth.confirmSignIn.mockRejectedValue(named('NotAuthorizedException', 'Invalid session for the user, session is expired.'));
    expect(await client.submitCode('123456')).toMatchObject({ status: 'failed', reason: 'expired' });
    auth.getCurrentUser.mockRejectedValue(named('UserUnAuthenticatedException'));
    expect(await client.currentUser()).toBeUndefined();
  });

  it("tells otp-setup's own trigger failures apart: rate limit, email not sent, sign-up rejected", async () => {
    // Cognito wraps what a trigger throws: UserLambdaValidationException "<Trigger> failed with error <message>."
    const client = await load();
    auth.signUp.mockRejectedValue(named('UsernameExistsException'));
    auth.signIn.mockRejectedValueOnce(
      named(
        'UserLambdaValidationException',
        'CreateAuthChallenge failed with error Too many sign-in codes requested for this address. Try again in 15 minutes.',
      ),
    );
    expect(await client.requestCode('a@example.com')).toEqual({
      status: 'failed',
      reason: 'rate-limited',
      message: 'Too many sign-in codes requested for this address. Try again in 15 minutes.',
    });
    auth.signIn.mockRejectedValueOnce(
      named(
        'UserLambdaValidationException',
        'CreateAuthChallenge failed with error Too many wrong codes for this address. Try again in 2 minutes.',
      ),
    );
    expect(await client.requestCode('a@example.com')).toMatchObject({
      reason: 'rate-limited',
      message: 'Too many wrong codes for this address. Try again in 2 minutes.',
    });
    auth.signIn.mockRejectedValueOnce(
      named(
        'UserLambdaValidationException',
        'CreateAuthChallenge failed with error Could not send the sign-in code email (MessageRejected: Email address is not verified. The following identities failed the check in region US-EAST-1: a@example.com).',
      ),
    );
    // The SES detail is for the operator's logs, not the person signing in.
    expect(await client.requestCode('a@example.com')).toEqual({
      status: 'failed',
      reason: 'email-not-sent',
      message: 'The sign-in code could not be emailed. Try again later.',
    });
    auth.signIn.mockRejectedValueOnce(
      named('UserLambdaValidationException', 'DefineAuthChallenge failed with error OTP_MAX_ATTEMPTS="x" is invalid.'),
    );
    expect(await client.requestCode('a@example.com')).toMatchObject({ reason: 'unknown' });
    auth.signUp.mockRejectedValueOnce(
      named('UserLambdaValidationException', 'PreSignUp failed with error Sign-up is not open to addresses at other.org..'),
    );
    expect(await client.requestCode('a@other.org')).toMatchObject({
      reason: 'sign-up-rejected',
      message: 'This email address cannot be used to sign in here.',
    });
  });

  it('explains missing or mismatched env keys', async () => {
    let client = await load({ pool: '' });
    expect(() => client.configureOtpAuth()).toThrow(/VITE_EMAIL_OTP_USER_POOL_ID not set.*otp-setup up/);
    client = await load({ region: 'eu-west-1' });
    expect(() => client.configureOtpAuth()).toThrow(/VITE_AWS_REGION \(eu-west-1\) does not match/);
  });

  it('draws passwords from the CSPRNG without bias towards the start of the alphabet', async () => {
    const client = await load();
    const spy = vi.spyOn(globalThis.crypto, 'getRandomValues');
    const math = vi.spyOn(Math, 'random');
    const passwords = new Set(Array.from({ length: 200 }, () => client.randomPassword()));
    expect(passwords.size).toBe(200);
    expect(spy).toHaveBeenCalled();
    expect(math).not.toHaveBeenCalled();
    spy.mockRestore();
    math.mockRestore();
  });
});
