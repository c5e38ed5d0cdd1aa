import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load-config.js';
import { deletionProtectionFor, resourceNames } from '../../../src/config/resource-names.js';
import { configJsonSchema } from '../../../src/config/schema.js';
import { OtpError } from '../../../src/core/errors.js';

function problems(raw: unknown): string[] {
  try {
    parseConfig(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(OtpError);
    expect((err as OtpError).exitCode).toBe(2);
    expect((err as OtpError).code).toBe('CONFIG_INVALID');
    return (err as OtpError).details!.problems as string[];
  }
  throw new Error('expected the config to be rejected');
}

const from = { email: { from: 'noreply@example.com' } };

describe('config', () => {
  it('needs only email.from; every default mirrors the guide', () => {
    const c = parseConfig(from);
    expect(c).toMatchObject({
      name: 'email-otp',
      otp: { length: 6, ttlSeconds: 180, maxAttempts: 3 },
      client: { authSessionValidityMinutes: 3, accessTokenValidityMinutes: 60, idTokenValidityMinutes: 60, refreshTokenValidityDays: 30 },
      lambda: { runtime: 'nodejs22.x' },
      frontend: { envFile: '.env', preset: 'vite' },
    });
    expect(resourceNames(c)).toMatchObject({
      role: 'EmailOTPLambdaExecutionRole',
      userPool: 'email-otp-pool',
      client: 'email-otp-client',
      functions: { 'define-auth-challenge': 'email-otp-define-auth-challenge', 'pre-sign-up': 'email-otp-pre-sign-up' },
    });
  });

  it('accepts the documented contract example as is', () => {
    const c = parseConfig({
      region: 'us-east-1',
      stage: 'dev',
      email: { from: 'noreply@example.com' },
      otp: { length: 6, ttlSeconds: 180, maxAttempts: 3 },
      frontend: { envFile: '.env', preset: 'vite' },
    });
    expect(resourceNames(c).userPool).toBe('email-otp-pool-dev');
    expect(resourceNames(c).role).toBe('EmailOTPLambdaExecutionRole-dev');
  });

  it.each([
    [{}, 'email: is required'],
    [{ email: { from: 'not-an-email' } }, 'email.from: must be an email address'],
    [{ ...from, otp: { length: 4 } }, 'otp.length: must be at least 6 digits'],
    [{ ...from, otp: { length: 6.5 } }, 'otp.length: must be a whole number of digits'],
    [{ ...from, otp: { ttlSeconds: 600 } }, 'otp.ttlSeconds: must not exceed client.authSessionValidityMinutes (3 min = 180 s)'],
    [{ ...from, otp: { lenght: 6 } }, 'otp.lenght: unknown field (did you mean "length"?)'],
    [{ ...from, regoin: 'us-east-1' }, 'regoin: unknown field (did you mean "region"?)'],
    // Fields added to the schema after "did you mean" was written: known because they are read off the schema.
    [{ ...from, rateLimit: { codesPerDya: 5 } }, 'rateLimit.codesPerDya: unknown field (did you mean "codesPerDay"?)'],
    [{ ...from, monitoring: { alarms: { emial: 'a@b.c' } } }, 'monitoring.alarms.emial: unknown field (did you mean "email"?)'],
    [{ ...from, region: 'Mars' }, 'region: must be an AWS region such as us-east-1'],
    [{ ...from, stage: 'Prod!' }, 'stage: must be 1-16 lower-case letters'],
    [{ ...from, client: { accessTokenValidityMinutes: 2 } }, 'client.accessTokenValidityMinutes: must be at least 5 minutes'],
    [{ ...from, client: { refreshTokenValidityDays: 4000 } }, 'client.refreshTokenValidityDays: must be at most 3650 days'],
    [{ ...from, client: { authSessionValidityMinutes: 16 } }, 'client.authSessionValidityMinutes: must be at most 15 minutes'],
    [{ ...from, frontend: { preset: 'custom' } }, 'frontend.prefix: preset "custom" needs a "prefix"'],
    [{ ...from, frontend: { preset: 'angular' } }, 'frontend.preset:'],
    [{ ...from, signUp: { allowedDomains: ['not a domain'] } }, 'signUp.allowedDomains.0: must be a domain'],
  ])('rejects %j with a message naming the field', (raw, expected) => {
    expect(problems(raw).join('\n')).toContain(expected);
  });

  it('turns deletion protection on for non-dev stages only', () => {
    expect(deletionProtectionFor(parseConfig(from))).toBe(false);
    expect(deletionProtectionFor(parseConfig({ ...from, stage: 'dev' }))).toBe(false);
    expect(deletionProtectionFor(parseConfig({ ...from, stage: 'prod' }))).toBe(true);
    expect(deletionProtectionFor(parseConfig({ ...from, stage: 'prod', userPool: { deletionProtection: false } }))).toBe(false);
  });

  it('ships a JSON schema that matches the zod schema', async () => {
    const shipped = JSON.parse(await readFile(new URL('../../../schema/otp-setup.config.schema.json', import.meta.url), 'utf8'));
    expect({ ...shipped, title: undefined }).toEqual({ ...configJsonSchema(), title: undefined });
    expect(shipped.required).toEqual(['email']);
  });
});
