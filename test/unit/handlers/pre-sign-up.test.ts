import { describe, expect, it } from 'vitest';
import { createHandler, SignUpRejected } from '../../../handlers/pre-sign-up.js';
import { captureLogs, preSignUpEvent } from './support.js';

function setup(env: Record<string, string> = {}) {
  const logs = captureLogs();
  return { logs, preSignUp: createHandler({ env, log: logs.sink }) };
}

describe('pre sign-up', () => {
  it('auto-confirms so a passwordless user can sign in, without marking the email verified', async () => {
    const { preSignUp } = setup();
    const result = await preSignUp(preSignUpEvent({ email: 'jane@example.com', name: 'Jane' }));
    expect(result.response).toEqual({ autoConfirmUser: true, autoVerifyEmail: false, autoVerifyPhone: false });
    expect(result.userPoolId).toBe('us-east-1_AbCdEfGhI');
  });

  it('also accepts admin-created and federated users that have an email', async () => {
    const { preSignUp } = setup();
    for (const source of ['PreSignUp_AdminCreateUser', 'PreSignUp_ExternalProvider']) {
      const result = await preSignUp(preSignUpEvent({ email: 'jane@example.com' }, source));
      expect(result.response.autoConfirmUser).toBe(true);
      expect(result.response.autoVerifyEmail).toBe(false);
    }
  });

  it('rejects a sign-up without an email, or with a malformed one', async () => {
    const { preSignUp, logs } = setup();
    await expect(preSignUp(preSignUpEvent({ phone_number: '+15555550100' }))).rejects.toThrow('An email address is required to sign up.');
    await expect(preSignUp(preSignUpEvent({ email: '   ' }))).rejects.toThrow(SignUpRejected);
    await expect(preSignUp(preSignUpEvent({ email: 'jane@' }))).rejects.toThrow('The email address is not valid.');
    await expect(preSignUp({ request: null })).rejects.toThrow(SignUpRejected);
    await expect(preSignUp(undefined)).rejects.toThrow(SignUpRejected);
    expect(logs.records().every((r) => r.level === 'warn')).toBe(true);
  });

  it('limits sign-ups to ALLOWED_EMAIL_DOMAINS (exact, case-insensitive)', async () => {
    const { preSignUp, logs } = setup({ ALLOWED_EMAIL_DOMAINS: 'example.com, @Corp.Example.org' });
    await expect(preSignUp(preSignUpEvent({ email: 'a@example.com' }))).resolves.toMatchObject({ response: { autoConfirmUser: true } });
    await expect(preSignUp(preSignUpEvent({ email: 'a@EXAMPLE.COM' }))).resolves.toBeTruthy();
    await expect(preSignUp(preSignUpEvent({ email: 'a@corp.example.org' }))).resolves.toBeTruthy();
    await expect(preSignUp(preSignUpEvent({ email: 'a@sub.example.com' }))).rejects.toThrow(
      'Sign-up is not open to addresses at sub.example.com.',
    );
    await expect(preSignUp(preSignUpEvent({ email: 'a@example.com.evil.io' }))).rejects.toThrow(SignUpRejected);
    await expect(preSignUp(preSignUpEvent({ email: 'a@evil.io' }))).rejects.toThrow(SignUpRejected);
    expect(
      logs
        .records()
        .filter((r) => r.level === 'warn')
        .map((r) => r.domain),
    ).toEqual(['sub.example.com', 'example.com.evil.io', 'evil.io']);
  });

  it('fails loudly on an invalid ALLOWED_EMAIL_DOMAINS', async () => {
    for (const bad of ['example.com,,other.com', 'not a domain', 'localhost', 'exa_mple.com']) {
      const { preSignUp, logs } = setup({ ALLOWED_EMAIL_DOMAINS: bad });
      await expect(preSignUp(preSignUpEvent({ email: 'a@example.com' }))).rejects.toThrow(/ALLOWED_EMAIL_DOMAINS/);
      expect(logs.records()[0]).toMatchObject({ level: 'error', variable: 'ALLOWED_EMAIL_DOMAINS' });
    }
  });
});
