import { describe, expect, it } from 'vitest';
import { escapeHtml, formatMinutes, renderEmail } from '../../../handlers/shared/email.js';
import { createLogger, type LogLevel } from '../../../handlers/shared/logger.js';
import { maskEmail } from '../../../handlers/shared/mask.js';
import { decodeMetadata, encodeMetadata, findIssuedCode, sealCode } from '../../../handlers/shared/otp.js';
import {
  ConfigError,
  readAllowedDomains,
  readCodeLength,
  readLogLevel,
  readMaxAttempts,
  readSender,
  readTtlSeconds,
} from '../../../handlers/shared/settings.js';

describe('settings from the environment', () => {
  it('uses the documented defaults when unset or blank', () => {
    for (const env of [{}, { OTP_LENGTH: '', OTP_TTL_SECONDS: '  ', OTP_MAX_ATTEMPTS: '', LOG_LEVEL: '' }]) {
      expect(readCodeLength(env)).toBe(6);
      expect(readTtlSeconds(env)).toBe(180);
      expect(readMaxAttempts(env)).toBe(3);
      expect(readLogLevel(env)).toBe('info');
      expect(readAllowedDomains(env)).toBeUndefined();
    }
  });

  it('accepts the bounds and rejects everything else with the variable name', () => {
    expect(readCodeLength({ OTP_LENGTH: '6' })).toBe(6);
    expect(readCodeLength({ OTP_LENGTH: '10' })).toBe(10);
    expect(readTtlSeconds({ OTP_TTL_SECONDS: '600' })).toBe(600);
    expect(readLogLevel({ LOG_LEVEL: 'DEBUG' })).toBe('debug');
    expect(() => readTtlSeconds({ OTP_TTL_SECONDS: '601' })).toThrow(ConfigError);
    for (const bad of ['3', '5', '11', '6.0', '0x6', ' 6 x', '-6', '1e1', '999999999999']) {
      expect(() => readCodeLength({ OTP_LENGTH: bad })).toThrow(ConfigError);
    }
    try {
      readTtlSeconds({ OTP_TTL_SECONDS: 'forever' });
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ name: 'ConfigError', variable: 'OTP_TTL_SECONDS' });
      expect((error as Error).message).toBe('OTP_TTL_SECONDS="forever" is invalid: expected an integer from 30 to 600');
    }
  });

  it('reads the sender and the allowed domains', () => {
    expect(readSender({ FROM_EMAIL: ' noreply@example.com ' })).toEqual({ email: 'noreply@example.com', name: undefined });
    expect(readSender({ FROM_EMAIL: 'a@b.co', FROM_NAME: 'Acme' })).toEqual({ email: 'a@b.co', name: 'Acme' });
    expect(() => readSender({})).toThrow(/FROM_EMAIL is not set/);
    expect(() => readSender({ FROM_EMAIL: 'Acme <a@b.co>' })).toThrow(/not an email address/);
    expect(readAllowedDomains({ ALLOWED_EMAIL_DOMAINS: 'Example.com, b.example.org ' })).toEqual(['example.com', 'b.example.org']);
  });
});

describe('maskEmail', () => {
  it.each([
    ['jane@example.com', 'j***@e***.com'],
    ['j@e.io', 'j***@e***.io'],
    ['Jane.Doe+tag@mail.example.co.uk', 'J***@m***.uk'],
    ['noat', '***'],
    ['@example.com', '***'],
    ['jane@', '***'],
    ['"<x>"@example.com', '***@e***.com'],
  ])('%s → %s', (input, masked) => {
    expect(maskEmail(input)).toBe(masked);
  });
  it('handles a missing address', () => {
    expect(maskEmail(undefined)).toBe('***');
  });
});

describe('logger', () => {
  it('writes one JSON line with level and fn, drops secret-looking keys, and filters by level', () => {
    const lines: Array<[LogLevel, string]> = [];
    const log = createLogger('verify-auth-challenge', 'info', (level, line) => lines.push([level, line]));
    log.debug('hidden');
    log.info('shown', {
      round: 2,
      code: '123456',
      answer: '123456',
      challengeMetadata: 'otp-v1:1',
      privateChallengeParameters: 'x',
      level: 'error',
    });
    log.error('bad', { reason: 'r' });
    expect(lines).toEqual([
      ['info', '{"level":"info","fn":"verify-auth-challenge","msg":"shown","round":2}'],
      ['error', '{"level":"error","fn":"verify-auth-challenge","msg":"bad","reason":"r"}'],
    ]);
  });
});

describe('email rendering', () => {
  it('escapes HTML and fills every placeholder, leaving unknown ones', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const out = renderEmail(
      { subject: '{{code}} {{other}}', text: '{{code}}/{{minutes}}/{{email}}/{{name}}', html: '{{name}}{{email}}' },
      { code: '007', minutes: '3', email: 'a&b@example.com', name: '<i>' },
    );
    expect(out).toEqual({ subject: '007 {{other}}', text: '007/3/a&b@example.com/<i>', html: '&lt;i&gt;a&amp;b@example.com' });
    expect(formatMinutes(180)).toBe('3');
    expect(formatMinutes(90)).toBe('1.5');
    expect(formatMinutes(100)).toBe('1.7');
  });
});

describe('challengeMetadata', () => {
  const key = Buffer.alloc(32, 3);
  it('round-trips the sealed code, and never holds the code itself', () => {
    const sealed = sealCode(key, '000123', 1_736_942_580_000);
    const meta = encodeMetadata(sealed);
    expect(decodeMetadata(meta)).toEqual(sealed);
    expect(meta).not.toContain('000123');
    expect(decodeMetadata(encodeMetadata(sealCode(key, '12345678', 5)))).toMatchObject({ length: 8, expiresAt: 5 });
    for (const bad of [undefined, '', 'otp-v1:123456:1736942580000', `${meta}x`, meta.replace('otp-v2', 'otp-v3'), meta.slice(0, -1)]) {
      expect(decodeMetadata(bad)).toBeUndefined();
    }
  });

  it('salts each code: the same code and expiry seal differently', () => {
    expect(sealCode(key, '123456', 1).digest).not.toBe(sealCode(key, '123456', 1).digest);
  });

  it('takes the latest code from our own rounds only', () => {
    const a = sealCode(key, '111111', 1_736_942_580_000);
    const b = sealCode(key, '222222', 1_736_942_580_000);
    expect(
      findIssuedCode([
        { challengeName: 'CUSTOM_CHALLENGE', challengeResult: false, challengeMetadata: encodeMetadata(a) },
        { challengeName: 'SRP_A', challengeResult: true, challengeMetadata: encodeMetadata(b) },
      ]),
    ).toEqual(a);
    expect(
      findIssuedCode([{ challengeName: 'PASSWORD_VERIFIER', challengeResult: true, challengeMetadata: encodeMetadata(b) }]),
    ).toBeUndefined();
  });
});
