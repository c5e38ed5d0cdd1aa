import { fail, ok, type Check } from '../check.js';

/**
 * The address codes go to belongs to its owner: the app client cannot write `email` with a
 * user's own token, and a change made any other way applies only once the new address is
 * verified (AttributesRequireVerificationBeforeUpdate). Otherwise a stolen access token can move
 * an account to another inbox for good.
 */
export const emailOwnershipCheck: Check = {
  id: 'email-ownership',
  title: 'Email changes need verification',
  async run({ ctx, lookups }) {
    const [pool, client] = await Promise.all([lookups.pool(), lookups.client()]);
    if (!pool) return fail(`no user pool "${ctx.names.userPool}" for this stack in ${ctx.region}`, 'Run "otp-setup up".');
    const problems: string[] = [];
    const writable = client?.WriteAttributes ?? [];
    // No list at all means every standard attribute is writable, email included.
    if (client && (writable.length === 0 || writable.includes('email'))) problems.push(`app client ${client.ClientId} lets users rewrite their own email`);
    if (!(pool.UserAttributeUpdateSettings?.AttributesRequireVerificationBeforeUpdate ?? []).includes('email')) {
      problems.push(`pool ${pool.Id} applies an email change before the new address is verified`);
    }
    if (problems.length > 0) return fail(problems.join('; '), 'Run "otp-setup up": it sets the client\'s WriteAttributes without email and requires verification before an email update.');
    return ok(`pool ${pool.Id}: email not writable by the client; a change applies only once verified`);
  },
};
