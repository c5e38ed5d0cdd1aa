import { grant } from '../core/permissions.js';
import { createOrUpdate, noop, type Change, type Step, type StepContext } from '../core/step.js';
import { senderDomain } from './ses-domain-step.js';

interface SesActual {
  /** Status of the address identity, if it exists. */
  address?: string;
  /** Status of the address's domain identity, if it exists (a verified domain covers the address). */
  domain?: string;
}

/**
 * Where the SES identity lives: the stack's region unless email.sesRegion names another. Cognito may
 * send through SES in another region ("Amazon Cognito can send email messages with Amazon SES
 * resources in the Region where you created your user pool, and in alternate Regions in some
 * cases": API reference EmailConfigurationType; the developer guide's "Email settings for Amazon
 * Cognito user pools" lists them, https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-email.html).
 * The SES clients (src/aws/clients.ts) and the create function's SES_REGION follow the same setting.
 */
export function sesRegion(ctx: Pick<StepContext, 'config' | 'region'>): string {
  return ctx.config.email.sesRegion ?? ctx.region;
}

async function verificationStatus(ctx: StepContext): Promise<SesActual> {
  const from = ctx.config.email.from;
  const domain = senderDomain(ctx);
  const statuses = await ctx.ports.ses.verificationStatuses([from, domain]);
  return { address: statuses[from], domain: statuses[domain] };
}

/** Cognito needs the ARN of the identity that is verified, which may be the domain, not the address. */
function verifiedIdentity(ctx: StepContext, actual: SesActual): string | undefined {
  const from = ctx.config.email.from;
  if (actual.address === 'Success') return from;
  if (actual.domain === 'Success') return senderDomain(ctx);
  return undefined;
}

function learn(ctx: StepContext, actual: SesActual): void {
  const identity = verifiedIdentity(ctx, actual);
  if (identity) ctx.facts.sesIdentity = identity;
  else delete ctx.facts.sesIdentity;
}

/**
 * SES (v1) identities carry no tags, so ownership is what state recorded: we delete the address
 * identity on teardown only if this tool created it. An identity that was already there (perhaps
 * used by other apps) is never deleted.
 */
export const sesIdentityStep: Step<SesActual, 'ses-identity'> = {
  id: 'ses-identity',
  title: 'SES sender identity',
  dependsOn: [],

  permissions() {
    // SES API v1's identity actions have no resource type, so "*" (Service Authorization Reference, Amazon SES:
    // VerifyEmailIdentity, GetIdentityVerificationAttributes, DeleteIdentity list none). Sending is scoped, in the role's policy.
    return [grant(['ses:GetIdentityVerificationAttributes', 'ses:VerifyEmailIdentity', 'ses:DeleteIdentity'], ['*'])];
  },

  async read(ctx) {
    const actual = await verificationStatus(ctx);
    learn(ctx, actual);
    if (!actual.address && !actual.domain) return { status: 'absent' };
    return { status: 'present', actual };
  },

  plan(ctx, observed): Change {
    const from = ctx.config.email.from;
    const pending = [
      `SES sent a verification email to ${from}: click its link, or no sign-in code can be sent.`,
      'While your SES account is in the sandbox, codes reach only verified recipients ("otp-setup doctor" tells).',
    ];
    const verify = (summary: string): Change =>
      createOrUpdate(observed, summary, [], async (c) => {
        // Recorded only when this run created it: an identity that existed before is not ours to delete.
        // SES identities carry no tags, so the record is saved before the call: a run killed right
        // after it would otherwise leave an identity no later teardown knows to delete.
        if (observed.status === 'absent' || c.state.resources.sesIdentity?.createdByUs) {
          c.state.resources.sesIdentity = { identity: from, createdByUs: true };
          await c.checkpoint?.();
        }
        await c.ports.ses.verifyEmailIdentity(from);
        // Real SES leaves a new identity Pending until its link is clicked; emulators verify at once.
        learn(c, await verificationStatus(c));
        return c.facts.sesIdentity ? [] : pending;
      });
    if (observed.status === 'absent') return verify(`verify ${from}`);
    const { address } = observed.actual;
    const verified = verifiedIdentity(ctx, observed.actual);
    if (verified) return noop(`${verified} is verified`);
    if (address === 'Pending') return noop(`${from} is waiting for you to click the link AWS emailed`, pending);
    return verify(`verification of ${from} ${address ?? 'is missing'}: sending a new verification email`);
  },

  // SES identities carry no tags: what decides is the state file's record, not what teardown read.
  async destroy(ctx) {
    const recorded = ctx.state.resources.sesIdentity;
    if (!recorded?.createdByUs)
      return {
        action: 'kept',
        summary: "kept: this folder's state file does not record otp-setup creating it (SES identities carry no tags)",
      };
    if (ctx.keepSes) return { action: 'kept', summary: `kept ${recorded.identity} (--keep-ses)` };
    await ctx.ports.ses.deleteIdentity(recorded.identity);
    delete ctx.state.resources.sesIdentity;
    return { action: 'deleted', summary: `deleted ${recorded.identity}` };
  },
};
