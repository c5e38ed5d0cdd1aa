import { call } from '../aws-errors.js';
import type { AwsClients } from '../clients.js';
import { sdk } from '../sdk.js';

/** Who the credentials belong to. */
export interface StsPort {
  callerIdentity(): Promise<{ account: string | undefined; arn: string | undefined }>;
}

export function stsPort(aws: AwsClients): StsPort {
  return {
    async callerIdentity() {
      const sts = await aws.sts();
      const { GetCallerIdentityCommand } = sdk('@aws-sdk/client-sts');
      const out = await call('sts:GetCallerIdentity', undefined, () => sts.send(new GetCallerIdentityCommand({})));
      return { account: out.Account, arn: out.Arn };
    },
  };
}
