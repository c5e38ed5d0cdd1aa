import { fail, ok, type Check } from '../check.js';

/**
 * The address codes go to belongs to its owner: an email change applies only once the new address
 * is verified (AttributesRequireVerificationBeforeUpdate). Otherwise anyone holding a user's
 * access token can point the account at an address nobody proved.
 */
export const emailOwnershipCheck: Check = {
  id: 'email-ownership',
  title: 'Email changes need verification',
  async run({ ctx, lookups }) {
    const pool = await lookups.pool();
    if (!pool) return fail(`no user pool "${ctx.names.userPool}" for this stack in ${ctx.region}`, 'Run "otp-setup up".');
    if (!(pool.UserAttributeUpdateSettings?.AttributesRequireVerificationBeforeUpdate ?? []).includes('email')) {
      return fail(
        `pool ${pool.Id} applies an email change before the new address is verified`,
        'Run "otp-setup up": it requires verification before an email update.',
      );
    }
    return ok(`pool ${pool.Id}: an email change applies only once the new address is verified`);
  },
};
