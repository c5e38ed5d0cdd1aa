import { PRESET_PREFIXES, type Config } from '../config/schema.js';

export interface EnvValues {
  region: string;
  userPoolId: string;
  clientId: string;
}

/** The guide's key names behind the bundler's public prefix (VITE_ by default). */
export function envPrefix(frontend: Config['frontend']): string {
  return frontend.preset === 'custom' ? frontend.prefix! : frontend.prefix ?? PRESET_PREFIXES[frontend.preset];
}

export function envEntries(frontend: Config['frontend'], values: EnvValues): Record<string, string> {
  const p = envPrefix(frontend);
  return {
    [`${p}AWS_REGION`]: values.region,
    [`${p}EMAIL_OTP_USER_POOL_ID`]: values.userPoolId,
    [`${p}EMAIL_OTP_CLIENT_ID`]: values.clientId,
  };
}
