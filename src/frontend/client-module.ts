import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { packageRoot } from '../package/package-root.js';
import { envKeyNames, type EnvAccess } from './env-keys.js';

export interface ClientModuleOptions {
  frontend: Config['frontend'];
  maxAttempts: number;
  envAccess: EnvAccess;
}

function clientTemplatePath(): string {
  return join(packageRoot(), 'templates', 'client', 'otp-auth.ts.tmpl');
}

/** The typed sign-in module `otp-setup scaffold` writes, for the user's preset and settings. */
export async function renderClientModule(options: ClientModuleOptions): Promise<string> {
  return fillTemplate(await readFile(clientTemplatePath(), 'utf8'), options);
}

function fillTemplate(template: string, options: ClientModuleOptions): string {
  const keys = envKeyNames(options.frontend);
  const read = (key: string): string => `${options.envAccess}.${key}`;
  const values: Record<string, string> = {
    // Only Vite's own types declare import.meta.env; process.env comes with each framework's types.
    HEADER: options.envAccess === 'import.meta.env' ? '/// <reference types="vite/client" />\n' : '',
    PRESET: options.frontend.preset === 'custom' ? `custom (${keys.region.slice(0, -'AWS_REGION'.length)})` : options.frontend.preset,
    REGION: read(keys.region),
    USER_POOL_ID: read(keys.userPoolId),
    CLIENT_ID: read(keys.clientId),
    ENDPOINT: read(keys.endpoint),
    KEY_REGION: keys.region,
    KEY_USER_POOL_ID: keys.userPoolId,
    KEY_CLIENT_ID: keys.clientId,
    MAX_ATTEMPTS: String(options.maxAttempts),
  };
  const text = template.replace(/\{\{([A-Z_]+)\}\}/g, (match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`otp-setup: unknown placeholder ${match} in ${clientTemplatePath()}`);
    return value;
  });
  return text;
}
