import { call, callIgnoringAbsent } from '../aws/aws-errors.js';
import { grant } from '../core/permissions.js';
import { noop, type Change, type Step, type StepContext } from '../core/step.js';
import { sdk } from '../aws/sdk.js';

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
  const ses = await ctx.aws.ses();
  const api = sdk('@aws-sdk/client-ses');
  const domain = senderDomain(ctx);
  const [verification, dkim] = await Promise.all([
    call('ses:GetIdentityVerificationAttributes', domain, () =>
      ses.send(new api.GetIdentityVerificationAttributesCommand({ Identities: [domain] })),
    ),
    call('ses:GetIdentityDkimAttributes', domain, () => ses.send(new api.GetIdentityDkimAttributesCommand({ Identities: [domain] }))),
  ]);
  const d = dkim.DkimAttributes?.[domain];
  return {
    verification: verification.VerificationAttributes?.[domain]?.VerificationStatus,
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
export const sesDomainStep: Step<DomainActual> = {
  id: 'ses-domain',
  title: 'SES sender domain (DKIM)',
  dependsOn: ['ses-identity'],

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
      return {
        kind: 'create',
        summary: `verify ${domain} with Easy DKIM`,
        diffs: [],
        notes: [],
        apply: async (c) => {
          const ses = await c.aws.ses();
          const { VerifyDomainDkimCommand } = sdk('@aws-sdk/client-ses');
          // Recorded before the call: if the run dies right after it, teardown still knows it is ours.
          c.state.resources.sesDomain = { identity: domain, createdByUs: true };
          await c.checkpoint?.();
          const out = await call('ses:VerifyDomainDkim', domain, () => ses.send(new VerifyDomainDkimCommand({ Domain: domain })));
          const actual = await readDomain(c);
          learn(c, actual);
          return actual.dkim === 'Success' ? [] : pendingNotes(out.DkimTokens ?? actual.tokens);
        },
      };
    }
    const { verification, dkim, tokens } = observed.actual;
    if (dkim === 'Success') return noop(`${domain} verified, DKIM on`);
    if (dkim === 'Failed' || dkim === 'TemporaryFailure' || dkim === undefined || dkim === 'NotStarted') {
      return {
        kind: 'update',
        summary: `DKIM for ${domain} is ${dkim ?? 'off'}: starting it again`,
        diffs: [{ field: 'DkimVerificationStatus', actual: dkim, desired: 'Success' }],
        notes: [],
        apply: async (c) => {
          const ses = await c.aws.ses();
          const { VerifyDomainDkimCommand } = sdk('@aws-sdk/client-ses');
          const out = await call('ses:VerifyDomainDkim', domain, () => ses.send(new VerifyDomainDkimCommand({ Domain: domain })));
          return pendingNotes(out.DkimTokens ?? tokens);
        },
      };
    }
    return noop(`${domain}: DKIM ${dkim}, domain ${verification ?? 'pending'} — waiting for the DNS records`, pendingNotes(tokens));
  },

  async destroy(ctx) {
    const recorded = ctx.state.resources.sesDomain;
    if (!recorded?.createdByUs) return { action: 'absent', summary: 'none created by otp-setup' };
    if (ctx.keepSes) return { action: 'kept', summary: `kept ${recorded.identity} (--keep-ses)` };
    const ses = await ctx.aws.ses();
    const { DeleteIdentityCommand } = sdk('@aws-sdk/client-ses');
    await callIgnoringAbsent('ses:DeleteIdentity', recorded.identity, () =>
      ses.send(new DeleteIdentityCommand({ Identity: recorded.identity })),
    );
    delete ctx.state.resources.sesDomain;
    return { action: 'deleted', summary: `deleted ${recorded.identity}` };
  },
};
