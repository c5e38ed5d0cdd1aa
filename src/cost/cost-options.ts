import { usageError } from '../core/errors.js';
import { COGNITO_TIERS, type CognitoTier, type EstimateInput } from './estimate.js';

export interface CostFlags {
  mau?: string;
  signInsPerUser?: string;
  cognitoTier?: string;
}

function count(flag: string, value: string, allowFraction: boolean): number {
  const n = Number(value);
  const ok = value.trim() !== '' && Number.isFinite(n) && n >= 0 && n <= 1e10 && (allowFraction || Number.isInteger(n));
  if (!ok) throw usageError('INVALID_NUMBER', `${flag} ${value} is not a valid number.`, `Give ${allowFraction ? 'a number such as 4 or 0.5' : 'a whole number such as 10000'}.`);
  return n;
}

/** The estimate's input from plan's flags (the config adds the rest), or undefined without --mau. Bad values are usage errors. */
export function costInputFromFlags(flags: CostFlags): Omit<EstimateInput, 'memoryMb' | 'rateLimit'> | undefined {
  if (flags.mau === undefined) {
    if (flags.signInsPerUser !== undefined || flags.cognitoTier !== undefined) {
      throw usageError('MAU_REQUIRED', '--sign-ins-per-user and --cognito-tier refine a cost estimate, which needs --mau.', 'Add --mau <monthly active users>, e.g. --mau 10000.');
    }
    return undefined;
  }
  const tier = flags.cognitoTier ?? 'essentials';
  if (!(COGNITO_TIERS as string[]).includes(tier)) {
    throw usageError('INVALID_TIER', `--cognito-tier ${tier} is not a Cognito tier.`, `Use one of: ${COGNITO_TIERS.join(', ')}.`);
  }
  return {
    monthlyActiveUsers: count('--mau', flags.mau, false),
    signInsPerUser: count('--sign-ins-per-user', flags.signInsPerUser ?? '4', true),
    cognitoTier: tier as CognitoTier,
  };
}
