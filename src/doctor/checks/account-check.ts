import { ok, type Check } from '../check.js';

/** Credentials were proven by STS before any check ran (doctor reports a failure there itself). */
export const accountCheck: Check = {
  id: 'credentials',
  title: 'AWS credentials and account',
  async run({ ctx }) {
    return ok(`account ${ctx.accountId} (${ctx.partition}), region ${ctx.region}, stack ${ctx.names.stackId}`);
  },
};
