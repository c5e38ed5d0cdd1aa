import { grant } from '../core/permissions.js';
import { create, noop, update, type Change, type Step, type StepContext } from '../core/step.js';

interface DomainActual {
  verification: string | undefined;
  dkim: string | undefined;
  tokens: string[];
}

export function senderDomain(ctx: Pick<StepContext, 'config'>): string {
  return ctx.config.email.from.split('@')[1] ?? '';
}

/** The Easy DKIM records the domain's DNS needs; with them SES also verifies the domain itself. */
export function dkimRecords(domain: string, tokens: readonly string[]): string[] {
  return tokens.map((t) => `CNAME  ${t}._domainkey.${domain}  →  ${t}.dkim.amazonses.com`);
}

async function readDomain(ctx: StepContext): Promise<DomainActual> {
  const domain = senderDomain(ctx);
  const [verification, d] = await Promise.all([ctx.ports.ses.verificationStatuses([domain]), ctx.ports.ses.dkimAttributes(domain)]);
  return {
    verification: verification[domain],
    dkim: d?.DkimVerificationStatus,
    tokens: d?.DkimTokens ?? [],
  };
}

/** A verified domain lets Cognito and the handlers send as any address on it (and DKIM-signs the mail). */
function learn(ctx: StepContext, actual: DomainActual): void {
  if (actual.verification === 'Success') ctx.facts.sesIdentity ??= senderDomain(ctx);
}

/**
 * The checklist's "custom domain for email sender": the sender's domain as an SES identity with
 * Easy DKIM. Like the address identity it carries no tags; it is deleted on teardown only if
 * otp-setup created it.
 */
export const sesDomainStep: Step<DomainActual, 'ses-domain'> = {
  id: 'ses-domain',
  title: 'SES sender domain (DKIM)',
  dependsOn: ['ses-identity'],
  // The read needs nothing the address identity's read learns: that read also asks for the
  // domain's status and decides which identity the pool uses, whichever of the two ends first.
  independentRead: true,

  permissions(scope) {
    // SES API v1: no resource types, "*". Without email.dkim only teardown's delete of a domain made earlier.
    if (!scope.config.email.dkim) return [grant(['ses:DeleteIdentity'], ['*'])];
    return [
      grant(
        ['ses:GetIdentityVerificationAttributes', 'ses:GetIdentityDkimAttributes', 'ses:VerifyDomainDkim', 'ses:DeleteIdentity'],
        ['*'],
      ),
    ];
  },

  async read(ctx) {
    if (!ctx.config.email.dkim) return { status: 'absent' };
    const actual = await readDomain(ctx);
    learn(ctx, actual);
    // DKIM attributes come back even for a domain that is no identity at all ("NotStarted");
    // only the verification attributes tell whether the identity exists.
    return actual.verification === undefined ? { status: 'absent' } : { status: 'present', actual };
  },

  plan(ctx, observed): Change {
    const domain = senderDomain(ctx);
    if (!ctx.config.email.dkim) return noop('not requested (email.dkim is false)');
    const pendingNotes = (tokens: readonly string[]): string[] => [
      `Add these DNS records to ${domain} so SES can verify it and DKIM-sign your mail (status: "otp-setup status"):`,
      ...dkimRecords(domain, tokens).map((r) => `  ${r}`),
    ];
    if (observed.status === 'absent') {
      return create(`verify ${domain} with Easy DKIM`, async (c) => {
        // Recorded before the call: if the run dies right after it, teardown still knows it is ours.
        c.state.resources.sesDomain = { identity: domain, createdByUs: true };
        await c.checkpoint?.();
        const dkimTokens = await c.ports.ses.verifyDomainDkim(domain);
        const actual = await readDomain(c);
        learn(c, actual);
        return actual.dkim === 'Success' ? [] : pendingNotes(dkimTokens ?? actual.tokens);
      });
    }
    const { verification, dkim, tokens } = observed.actual;
    if (dkim === 'Success') return noop(`${domain} verified, DKIM on`);
    if (dkim === 'Failed' || dkim === 'TemporaryFailure' || dkim === undefined || dkim === 'NotStarted') {
      return update(
        [{ field: 'DkimVerificationStatus', actual: dkim, desired: 'Success' }],
        async (c) => pendingNotes((await c.ports.ses.verifyDomainDkim(domain)) ?? tokens),
        `DKIM for ${domain} is ${dkim ?? 'off'}: starting it again`,
      );
    }
    return noop(`${domain}: DKIM ${dkim}, domain ${verification ?? 'pending'} — waiting for the DNS records`, pendingNotes(tokens));
  },

  // Like the address identity: the state file's record decides.
  async destroy(ctx) {
    const recorded = ctx.state.resources.sesDomain;
    if (!recorded?.createdByUs) return { action: 'absent', summary: 'none created by otp-setup' };
    if (ctx.keepSes) return { action: 'kept', summary: `kept ${recorded.identity} (--keep-ses)` };
    await ctx.ports.ses.deleteIdentity(recorded.identity);
    delete ctx.state.resources.sesDomain;
    return { action: 'deleted', summary: `deleted ${recorded.identity}` };
  },
};
