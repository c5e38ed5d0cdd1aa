import { fail, ok, type Check } from '../check.js';

const WANT_FLOWS = ['ALLOW_CUSTOM_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'];

/**
 * The app client allows exactly the code flow and token refresh: any password flow (SRP, plain)
 * is a way in that skips the emailed code. No secret (a browser cannot keep one), and no
 * "user does not exist" answers that let anyone test which addresses have accounts.
 */
export const clientCheck: Check = {
  id: 'client',
  title: 'App client flows',
  async run({ ctx, lookups }) {
    const client = await lookups.client();
    if (!client) return fail(`no app client "${ctx.names.client}" in the stack's pool`, 'Run "otp-setup up".');
    const flows: string[] = [...(client.ExplicitAuthFlows ?? [])].sort();
    const problems: string[] = [];
    const extra = flows.filter((f) => !WANT_FLOWS.includes(f));
    const absent = WANT_FLOWS.filter((f) => !flows.includes(f));
    if (extra.length > 0) problems.push(`also allows ${extra.join(', ')} (a sign-in without the emailed code)`);
    if (absent.length > 0) problems.push(`does not allow ${absent.join(', ')}`);
    if (client.ClientSecret) problems.push('has a client secret (browser and mobile apps cannot keep it; Amplify sign-in fails)');
    if (client.PreventUserExistenceErrors !== 'ENABLED')
      problems.push('reveals whether an account exists (PreventUserExistenceErrors is not ENABLED)');
    if (problems.length > 0) {
      return fail(
        `client ${client.ClientId}: ${problems.join('; ')}`,
        'Run "otp-setup up" to restore the settings (a client secret needs "--allow-replace": the client id changes).',
      );
    }
    return ok(`client ${client.ClientId}: ALLOW_CUSTOM_AUTH + ALLOW_REFRESH_TOKEN_AUTH only, no secret, user existence hidden`);
  },
};
