import { awsErrorName } from '../../aws/aws-errors.js';
import { grant } from '../../core/permissions.js';
import { fail, ok, unknown, warn, type Check } from '../check.js';
import { sdk } from '../../aws/sdk.js';

const NOT_AVAILABLE = new Set([
  'NotImplemented',
  'NotImplementedException',
  'UnknownOperationException',
  'InvalidAction',
  'UnknownOperation',
]);

function notAvailable(err: unknown): boolean {
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  // Emulators answer an API they lack with 404/501 or an unknown-operation error.
  return NOT_AVAILABLE.has(awsErrorName(err)) || status === 404 || status === 501;
}

/** Sandbox or production sending, and the quota (SES API v2 GetAccount). */
export const sesAccountCheck: Check = {
  id: 'ses-account',
  title: 'SES sending (sandbox or production)',
  // Account-level: no resource type, "*".
  permissions: () => [grant(['ses:GetAccount'], ['*'])],
  async run({ ctx }) {
    const sesv2 = await ctx.aws.sesv2();
    const { GetAccountCommand } = sdk('@aws-sdk/client-sesv2');
    let account;
    try {
      account = await sesv2.send(new GetAccountCommand({}));
    } catch (err) {
      if (notAvailable(err))
        return unknown(
          `this endpoint does not answer sesv2:GetAccount (${awsErrorName(err)})`,
          'Check the account in the SES console (Account dashboard).',
        );
      throw err;
    }
    const quota = account.SendQuota;
    const quotaText = quota
      ? `${quota.SentLast24Hours ?? 0}/${quota.Max24HourSend ?? '?'} sent in 24 h, ${quota.MaxSendRate ?? '?'}/s`
      : 'quota unknown';
    if (account.SendingEnabled === false) {
      return fail(
        `sending is disabled for this account in ${ctx.aws.settings.sesRegion ?? ctx.region} (${account.EnforcementStatus ?? 'status unknown'})`,
        'See the SES console (Reputation metrics) and the email from AWS about it; no code can be sent.',
      );
    }
    if (account.ProductionAccessEnabled !== true) {
      const review = account.Details?.ReviewDetails?.Status;
      return warn(
        `sandbox in ${ctx.aws.settings.sesRegion ?? ctx.region}: codes reach only verified addresses; ${quotaText}${review ? `; production access request ${review}` : ''}`,
        'Request production access: otp-setup ses request-production --website-url https://your.site',
      );
    }
    if (quota?.Max24HourSend !== undefined && quota.SentLast24Hours !== undefined && quota.SentLast24Hours >= 0.8 * quota.Max24HourSend) {
      return warn(
        `production, but ${quotaText}: near the daily quota`,
        'Ask AWS for a higher sending quota in the SES console (Account dashboard).',
      );
    }
    return ok(`production in ${ctx.aws.settings.sesRegion ?? ctx.region}; ${quotaText}`);
  },
};
