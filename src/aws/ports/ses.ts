import type { IdentityDkimAttributes } from '@aws-sdk/client-ses';
import { call, callIgnoringAbsent } from '../aws-errors.js';
import type { AwsClients } from '../clients.js';
import { sdk } from '../sdk.js';

/** The SES (API v1) identity operations the steps use, with AWS's errors mapped to the user's. */
export interface SesPort {
  /** Each identity's verification status; identities that do not exist are missing from the answer. */
  verificationStatuses(identities: string[]): Promise<Record<string, string | undefined>>;
  dkimAttributes(domain: string): Promise<IdentityDkimAttributes | undefined>;
  verifyEmailIdentity(address: string): Promise<void>;
  /** The DKIM tokens to publish as CNAME records. */
  verifyDomainDkim(domain: string): Promise<string[] | undefined>;
  /** Already deleted is success. */
  deleteIdentity(identity: string): Promise<void>;
}

export function sesPort(aws: AwsClients): SesPort {
  const api = () => sdk('@aws-sdk/client-ses');
  return {
    async verificationStatuses(Identities) {
      const ses = await aws.ses();
      const out = await call('ses:GetIdentityVerificationAttributes', Identities[0], () =>
        ses.send(new (api().GetIdentityVerificationAttributesCommand)({ Identities })),
      );
      return Object.fromEntries(Object.entries(out.VerificationAttributes ?? {}).map(([k, v]) => [k, v.VerificationStatus]));
    },
    async dkimAttributes(domain) {
      const ses = await aws.ses();
      const out = await call('ses:GetIdentityDkimAttributes', domain, () =>
        ses.send(new (api().GetIdentityDkimAttributesCommand)({ Identities: [domain] })),
      );
      return out.DkimAttributes?.[domain];
    },
    async verifyEmailIdentity(EmailAddress) {
      const ses = await aws.ses();
      await call('ses:VerifyEmailIdentity', EmailAddress, () => ses.send(new (api().VerifyEmailIdentityCommand)({ EmailAddress })));
    },
    async verifyDomainDkim(Domain) {
      const ses = await aws.ses();
      const out = await call('ses:VerifyDomainDkim', Domain, () => ses.send(new (api().VerifyDomainDkimCommand)({ Domain })));
      return out.DkimTokens;
    },
    async deleteIdentity(Identity) {
      const ses = await aws.ses();
      await callIgnoringAbsent('ses:DeleteIdentity', Identity, () => ses.send(new (api().DeleteIdentityCommand)({ Identity })));
    },
  };
}
