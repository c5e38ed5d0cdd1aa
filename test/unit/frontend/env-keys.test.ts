import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load-config.js';
import { defaultEnvAccess, envEntries, envKeyNames, envPrefix } from '../../../src/frontend/env-keys.js';

const frontend = (f: Record<string, unknown>) => parseConfig({ email: { from: 'a@example.com' }, frontend: f }).frontend;
const values = { region: 'us-east-1', userPoolId: 'us-east-1_Pool', clientId: 'client' };

describe('env key presets', () => {
  it("defaults to Vite with the guide's exact key names", () => {
    expect(Object.keys(envEntries(frontend({}), values))).toEqual([
      'VITE_AWS_REGION',
      'VITE_EMAIL_OTP_USER_POOL_ID',
      'VITE_EMAIL_OTP_CLIENT_ID',
    ]);
    expect(defaultEnvAccess('vite')).toBe('import.meta.env');
  });

  it.each([
    ['vite', 'VITE_', 'import.meta.env'],
    ['next', 'NEXT_PUBLIC_', 'process.env'],
    ['cra', 'REACT_APP_', 'process.env'],
    ['expo', 'EXPO_PUBLIC_', 'process.env'],
  ] as const)('%s uses %s and reads %s', (preset, prefix, access) => {
    const f = frontend({ preset });
    expect(envPrefix(f)).toBe(prefix);
    expect(envEntries(f, values)).toEqual({
      [`${prefix}AWS_REGION`]: 'us-east-1',
      [`${prefix}EMAIL_OTP_USER_POOL_ID`]: 'us-east-1_Pool',
      [`${prefix}EMAIL_OTP_CLIENT_ID`]: 'client',
    });
    expect(defaultEnvAccess(preset)).toBe(access);
  });

  it('uses a custom prefix, and a prefix overrides a preset', () => {
    expect(envKeyNames(frontend({ preset: 'custom', prefix: 'MY_APP_' })).userPoolId).toBe('MY_APP_EMAIL_OTP_USER_POOL_ID');
    expect(envPrefix(frontend({ preset: 'next', prefix: 'PUBLIC_' }))).toBe('PUBLIC_');
  });

  it('rejects a custom preset without a prefix and a lower-case prefix', () => {
    expect(() => frontend({ preset: 'custom' })).toThrow(/preset "custom" needs a "prefix"/);
    expect(() => frontend({ preset: 'custom', prefix: 'my_' })).toThrow(/upper-case/);
  });

  it('adds the endpoint key only for the sandbox', () => {
    expect(envEntries(frontend({}), { ...values, endpoint: 'http://127.0.0.1:9229' })).toMatchObject({
      VITE_EMAIL_OTP_ENDPOINT: 'http://127.0.0.1:9229',
    });
    expect(envEntries(frontend({}), values)).not.toHaveProperty('VITE_EMAIL_OTP_ENDPOINT');
  });
});
