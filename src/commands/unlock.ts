import { call, callOrAbsent } from '../aws/aws-errors.js';
import { sdk } from '../aws/sdk.js';
import { OtpError, usageError } from '../core/errors.js';
import { grant, type Grant, type PermissionScope } from '../core/permissions.js';
import { functionArn } from '../steps/function-step.js';
import { rateLimitTableArn } from '../steps/rate-limit-table-step.js';
import { maskEmail } from '../../handlers/shared/mask.js';
import { RateLimiter, readRateLimit } from '../../handlers/shared/rate-limit.js';
import { ConfigError, isEmailAddress } from '../../handlers/shared/settings.js';
import type { CommandEnv } from './deps.js';
import { openStack } from './stack-context.js';

/** What unlock calls: the verify function's settings, then the address's record in the table. */
export function unlockPermissions(scope: PermissionScope): Grant[] {
  return [
    grant(['lambda:GetFunctionConfiguration'], [functionArn(scope, 'verify-auth-challenge')]),
    grant(['dynamodb:GetItem', 'dynamodb:DeleteItem'], [rateLimitTableArn(scope)]),
  ];
}

export interface UnlockOptions {
  email?: string;
}

/**
 * Clears an address's run of wrong codes in the stack's rate-limit table: the way out of the
 * lockout that 100 consecutive failures (NIST SP 800-63B §5.2.2) leave until an operator acts,
 * and of any shorter lockout. The table, its key scheme and the secret are read from the deployed
 * verify function's environment, so the record cleared is exactly the one the handler checks.
 */
export async function unlockCommand(env: CommandEnv, options: UnlockOptions): Promise<number> {
  const { io, deps } = env;
  const email = options.email?.trim();
  if (!email || !isEmailAddress(email)) {
    throw usageError(
      'INVALID_EMAIL',
      `--email ${options.email ?? '(missing)'} is not an email address.`,
      'Give the locked-out address, e.g. otp-setup unlock --email jane@example.com.',
    );
  }
  const stack = await openStack(env);
  try {
    const { ctx } = stack;
    const FunctionName = ctx.names.functions['verify-auth-challenge'];
    const lambda = await ctx.aws.lambda();
    const { GetFunctionConfigurationCommand } = sdk('@aws-sdk/client-lambda');
    const conf = await callOrAbsent('lambda:GetFunctionConfiguration', FunctionName, () =>
      lambda.send(new GetFunctionConfigurationCommand({ FunctionName })),
    );
    if (!conf) {
      throw new OtpError(
        'NOT_DEPLOYED',
        `There is no ${FunctionName} in ${ctx.region}: this stack is not deployed here, so nothing is locked.`,
        {
          resolution: 'Check --stage and --region, or run "otp-setup up" first.',
        },
      );
    }
    let settings;
    try {
      settings = readRateLimit(conf.Environment?.Variables ?? {});
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      throw new OtpError('FUNCTION_OUTDATED', `${FunctionName} has no usable ${err.variable}: it predates this version of otp-setup.`, {
        resolution: 'Run "otp-setup up" first; it gives the functions their settings.',
      });
    }
    if (!settings) {
      throw new OtpError(
        'RATE_LIMIT_OFF',
        `${FunctionName} keeps no lockouts (rateLimit.enabled is false), so there is nothing to unlock.`,
        { exitCode: 1 },
      );
    }
    const limiter = new RateLimiter(await ctx.aws.dynamodb(), settings);
    const before = await call('dynamodb:GetItem', settings.table, () => limiter.lockState(email, deps.now().getTime()));
    await call('dynamodb:DeleteItem', settings.table, () => limiter.clearFailures(email));
    const shown = maskEmail(email.toLowerCase());
    const was =
      before.lockedFor === Number.POSITIVE_INFINITY
        ? `locked until unlocked, after ${before.failures} consecutive wrong codes`
        : before.lockedFor > 0
          ? `locked for ${Math.ceil(before.lockedFor / 60)} more minute(s), after ${before.failures} consecutive wrong codes`
          : before.failures > 0
            ? `not locked, ${before.failures} consecutive wrong code(s) on record`
            : 'no wrong codes on record';
    io.out(`Unlocked ${email} (${was}). The next sign-in starts with a clean count.`);
    io.result({
      ok: true,
      command: 'unlock',
      email: shown,
      failures: before.failures,
      wasLocked: before.lockedFor > 0,
      permanent: before.lockedFor === Number.POSITIVE_INFINITY,
    });
    return 0;
  } finally {
    await stack.close();
  }
}
