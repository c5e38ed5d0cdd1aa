import { fail, ok, type Check } from '../check.js';
import { CLIENT_WRITE_ATTRIBUTES } from '../../spec/app-client.js';

/**
 * The address codes go to belongs to its owner: an email change applies only once the new address
 * is verified (AttributesRequireVerificationBeforeUpdate). Otherwise anyone holding a user's
 * access token can point the account at an address nobody proved. And the app client writes
 * exactly the attributes up sets: no more (Cognito answers a client without WriteAttributes as
 * one that may write every attribute).
 */
export const emailOwnershipCheck: Check = {
  id: 'email-ownership',
  title: 'Email changes need verification',
  async run({ ctx, lookups }) {
    const [pool, client] = await Promise.all([lookups.pool(), lookups.client()]);
    if (!pool) return fail(`no user pool "${ctx.names.userPool}" for this stack in ${ctx.region}`, 'Run "otp-setup up".');
    const problems: string[] = [];
    if (!(pool.UserAttributeUpdateSettings?.AttributesRequireVerificationBeforeUpdate ?? []).includes('email'))
      problems.push(`pool ${pool.Id} applies an email change before the new address is verified`);
    if (client) {
      const want: readonly string[] = CLIENT_WRITE_ATTRIBUTES;
      const have = [...(client.WriteAttributes ?? [])].sort();
      const extra = have.filter((a) => !want.includes(a));
      const missing = want.filter((a) => !have.includes(a));
      if (have.length === 0) problems.push(`client ${client.ClientId} may write every attribute (no WriteAttributes)`);
      else if (extra.length > 0 || missing.length > 0)
        problems.push(
          `client ${client.ClientId} WriteAttributes differ from otp-setup's${extra.length ? `: also ${extra.join(', ')}` : ''}${missing.length ? `; lacks ${missing.join(', ')}` : ''}`,
        );
    }
    if (problems.length > 0)
      return fail(
        problems.join('; '),
        'Run "otp-setup up": it requires verification before an email update and sets the client\'s write attributes.',
      );
    return ok(
      `pool ${pool.Id}: an email change applies only once the new address is verified${client ? `; client ${client.ClientId} writes only the ${CLIENT_WRITE_ATTRIBUTES.length} profile attributes otp-setup sets` : ''}`,
    );
  },
};
