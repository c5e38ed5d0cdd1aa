import { sesIdentityStep } from '../../steps/ses-identity-step.js';
import { fail, ok, warn, type Check } from '../check.js';

/** The guide's "Verify SES email" troubleshooting step. */
export const senderCheck: Check = {
  id: 'sender',
  title: 'SES sender verification',
  async run({ ctx }) {
    const from = ctx.config.email.from;
    const domain = from.split('@')[1] ?? '';
    const observed = await sesIdentityStep.read(ctx);
    const { address, domain: domainStatus } = observed.status === 'present' ? observed.actual : { address: undefined, domain: undefined };
    if (address === 'Success') return ok(`${from} is verified`);
    if (domainStatus === 'Success') return ok(`domain ${domain} is verified (covers ${from})`);
    if (address === 'Pending' || domainStatus === 'Pending') {
      return warn(
        `${from} is waiting for verification`,
        `Click the link in the email AWS sent to ${from} (run "otp-setup up" to send it again if it expired).`,
      );
    }
    const status = address ?? domainStatus;
    return fail(
      status ? `${from} verification ${status}` : `${from} is not an SES identity in ${ctx.aws.settings.sesRegion ?? ctx.region}`,
      `Run "otp-setup up" to start verification, then click the link AWS emails to ${from}. No code can be sent until then.`,
    );
  },
};
