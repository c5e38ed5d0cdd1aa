import { call } from '../aws/aws-errors.js';
import { usageError } from '../core/errors.js';
import { requireConfirmation } from './confirm.js';
import type { CommandEnv } from './deps.js';
import { openStack } from './stack-context.js';
import { sdk } from '../aws/sdk.js';
import { sesRegion } from '../steps/ses-identity-step.js';

export interface RequestProductionOptions {
  websiteUrl?: string;
  useCase?: string;
}

function websiteUrl(value: string | undefined): string {
  let url: URL | undefined;
  try {
    url = value ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || !url.hostname.includes('.')) {
    throw usageError(
      'INVALID_URL',
      `--website-url ${value ?? '(missing)'} is not a website URL.`,
      'Give the public site whose users sign in, e.g. --website-url https://app.example.com.',
    );
  }
  return url.toString();
}

/**
 * The guide's `aws sesv2 put-account-details --production-access-enabled`: asks AWS to take the
 * account's SES out of the sandbox in this region. A person at AWS reviews it (usually within a
 * day), so it asks first and refuses without a terminal unless --yes.
 */
export async function sesRequestProductionCommand(env: CommandEnv, options: RequestProductionOptions): Promise<number> {
  const { io } = env;
  const WebsiteURL = websiteUrl(options.websiteUrl);
  const useCase = options.useCase?.trim();
  if (options.useCase !== undefined && (!useCase || useCase.length > 5000)) {
    throw usageError(
      'INVALID_USE_CASE',
      '--use-case must be 1 to 5000 characters.',
      'Describe who gets the emails and why, in a sentence or two.',
    );
  }
  const stack = await openStack(env);
  try {
    const { ctx } = stack;
    const UseCaseDescription =
      useCase ??
      `Transactional email only: one-time sign-in codes from ${ctx.config.email.from}, sent when a user of ${WebsiteURL} asks to sign in. No marketing; bounces and complaints are monitored.`;
    const question = `Ask AWS for SES production access in ${sesRegion(ctx)} (account ${ctx.accountId}) for ${WebsiteURL}?`;
    const confirmed = await requireConfirmation(io, question, {
      yes: env.global.yes,
      needs: 'ses request-production sends a request to AWS',
      declined: 'Nothing was sent.',
      result: { command: 'ses request-production' },
    });
    if (!confirmed) return 1;
    const sesv2 = await ctx.aws.sesv2();
    const { PutAccountDetailsCommand } = sdk('@aws-sdk/client-sesv2');
    await call('ses:PutAccountDetails', sesRegion(ctx), () =>
      sesv2.send(
        new PutAccountDetailsCommand({
          ProductionAccessEnabled: true,
          MailType: 'TRANSACTIONAL',
          WebsiteURL,
          UseCaseDescription,
          ContactLanguage: 'EN',
        }),
      ),
    );
    io.out(
      `Requested SES production access in ${sesRegion(ctx)}. AWS reviews it, usually within 24 hours, and answers by email; "otp-setup doctor" shows the status.`,
    );
    io.result({ ok: true, command: 'ses request-production', region: sesRegion(ctx), accountId: ctx.accountId, websiteUrl: WebsiteURL });
    return 0;
  } finally {
    await stack.close();
  }
}
