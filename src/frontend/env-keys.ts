import { PRESET_PREFIXES, type Config } from '../config/schema.js';

export interface EnvValues {
  region: string;
  userPoolId: string;
  clientId: string;
  /** Only for `otp-setup sandbox`: the local endpoint Amplify must call instead of AWS. */
  endpoint?: string;
}

/** The guide's key names behind the bundler's public prefix (VITE_ by default). */
export function envPrefix(frontend: Config['frontend']): string {
  return frontend.preset === 'custom' ? frontend.prefix! : (frontend.prefix ?? PRESET_PREFIXES[frontend.preset]);
}

export function envKeyNames(frontend: Config['frontend']) {
  const p = envPrefix(frontend);
  return {
    region: `${p}AWS_REGION`,
    userPoolId: `${p}EMAIL_OTP_USER_POOL_ID`,
    clientId: `${p}EMAIL_OTP_CLIENT_ID`,
    endpoint: `${p}EMAIL_OTP_ENDPOINT`,
  };
}

export function envEntries(frontend: Config['frontend'], values: EnvValues): Record<string, string> {
  const k = envKeyNames(frontend);
  return {
    [k.region]: values.region,
    [k.userPoolId]: values.userPoolId,
    [k.clientId]: values.clientId,
    ...(values.endpoint ? { [k.endpoint]: values.endpoint } : {}),
  };
}

/** How browser code reads a public env key: Vite exposes import.meta.env, the others process.env. */
export type EnvAccess = 'import.meta.env' | 'process.env';

export function defaultEnvAccess(preset: Config['frontend']['preset']): EnvAccess {
  // A custom prefix usually means webpack/Rspack/esbuild "define", which rewrites process.env.X;
  // Vite with a custom envPrefix passes --env-access import.meta.env.
  return preset === 'vite' ? 'import.meta.env' : 'process.env';
}
