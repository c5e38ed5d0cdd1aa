import type { FunctionKind } from './function-kinds.js';
import type { Config } from './schema.js';

export interface ResourceNames {
  /** Value of the ownership tag; also names the state and lock files. */
  stackId: string;
  role: string;
  inlinePolicy: string;
  functions: Record<FunctionKind, string>;
  userPool: string;
  client: string;
  rateLimitTable: string;
}

export const OWNERSHIP_TAG = 'otp-setup:stack';
/** The config's `stackId`: what makes two stacks with the same names (two projects) different. */
export const STACK_ID_TAG = 'otp-setup:stack-id';

/** `--stage X` appends `-X` to every name; no stage keeps the guide's bare names. */
export function resourceNames(config: Config): ResourceNames {
  const suffix = config.stage ? `-${config.stage}` : '';
  const prefix = config.name;
  const defaultRole = prefix === 'email-otp' ? 'EmailOTPLambdaExecutionRole' : `${prefix}-lambda-execution-role`;
  return {
    stackId: `${prefix}${suffix}`,
    role: config.names.role ?? `${defaultRole}${suffix}`,
    inlinePolicy: 'otp-setup-ses-send',
    functions: {
      'define-auth-challenge': `${prefix}-define-auth-challenge${suffix}`,
      'create-auth-challenge': `${prefix}-create-auth-challenge${suffix}`,
      'verify-auth-challenge': `${prefix}-verify-auth-challenge${suffix}`,
      'pre-sign-up': `${prefix}-pre-sign-up${suffix}`,
      'post-authentication': `${prefix}-post-authentication${suffix}`,
    },
    userPool: config.names.userPool ?? `${prefix}-pool${suffix}`,
    client: config.names.client ?? `${prefix}-client${suffix}`,
    rateLimitTable: config.names.rateLimitTable ?? `${prefix}-rate-limits${suffix}`,
  };
}

const DEV_STAGES = /^(dev|develop|development|test|testing|local|sandbox|ci|pr-.*)$/;

export function deletionProtectionFor(config: Config): boolean {
  return config.userPool.deletionProtection ?? (config.stage !== undefined && !DEV_STAGES.test(config.stage));
}
