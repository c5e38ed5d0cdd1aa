import type { UserPoolTier } from '../config/schema.js';
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
  if (!ok)
    throw usageError(
      'INVALID_NUMBER',
      `${flag} ${value} is not a valid number.`,
      `Give ${allowFraction ? 'a number such as 4 or 0.5' : 'a whole number such as 10000'}.`,
    );
  return n;
}

/** The price list's name of a pool tier: the estimate prices what `up` configures. */
export function pricedTier(tier: UserPoolTier): CognitoTier {
  return tier.toLowerCase() as Lowercase<UserPoolTier>;
}

export type CostFlagsInput = Omit<EstimateInput, 'memoryMb' | 'rateLimit' | 'cognitoTier'> & {
  /** Only when --cognito-tier was given; otherwise the config's userPool.tier is priced. */
  cognitoTier?: CognitoTier;
};

/** The estimate's input from plan's flags (the config adds the rest), or undefined without --mau. Bad values are usage errors. */
export function costInputFromFlags(flags: CostFlags): CostFlagsInput | undefined {
  if (flags.mau === undefined) {
    if (flags.signInsPerUser !== undefined || flags.cognitoTier !== undefined) {
      throw usageError(
        'MAU_REQUIRED',
        '--sign-ins-per-user and --cognito-tier refine a cost estimate, which needs --mau.',
        'Add --mau <monthly active users>, e.g. --mau 10000.',
      );
    }
    return undefined;
  }
  const tier = flags.cognitoTier;
  if (tier !== undefined && !(COGNITO_TIERS as string[]).includes(tier)) {
    throw usageError('INVALID_TIER', `--cognito-tier ${tier} is not a Cognito tier.`, `Use one of: ${COGNITO_TIERS.join(', ')}.`);
  }
  return {
    monthlyActiveUsers: count('--mau', flags.mau, false),
    signInsPerUser: count('--sign-ins-per-user', flags.signInsPerUser ?? '4', true),
    ...(tier !== undefined ? { cognitoTier: tier as CognitoTier } : {}),
  };
}
