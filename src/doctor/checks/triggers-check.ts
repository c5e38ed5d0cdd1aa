import { FUNCTION_KINDS, type FunctionKind } from '../../config/function-kinds.js';
import { functionArn } from '../../steps/function-step.js';
import { fail, ok, type Check } from '../check.js';

const TRIGGER: Record<FunctionKind, string> = {
  'define-auth-challenge': 'DefineAuthChallenge',
  'create-auth-challenge': 'CreateAuthChallenge',
  'verify-auth-challenge': 'VerifyAuthChallengeResponse',
  'pre-sign-up': 'PreSignUp',
  'post-authentication': 'PostAuthentication',
};

const UP = 'Run "otp-setup up": it rewires the triggers and keeps the other pool settings.';

/** Each trigger of the pool points at the function otp-setup deployed for it. */
export const triggersCheck: Check = {
  id: 'triggers',
  title: 'User pool triggers wired',
  async run({ ctx, lookups }) {
    const pool = await lookups.pool();
    if (!pool)
      return fail(
        `no user pool "${ctx.names.userPool}" for this stack in ${ctx.region}`,
        'Run "otp-setup up" (check --stage and --region if it exists elsewhere).',
      );
    const config = (pool.LambdaConfig ?? {}) as Record<string, unknown>;
    const wrong = FUNCTION_KINDS.filter((kind) => config[TRIGGER[kind]] !== functionArn(ctx, kind)).map((kind) => {
      const have = config[TRIGGER[kind]];
      return `${TRIGGER[kind]} → ${typeof have === 'string' ? have.split(':').pop() : 'nothing'} (want ${ctx.names.functions[kind]})`;
    });
    if (wrong.length > 0) return fail(`pool ${pool.Id}: ${wrong.join('; ')}`, UP);
    return ok(`pool ${pool.Id}: all ${FUNCTION_KINDS.length} triggers point at this stack's functions`);
  },
};
