import { FUNCTION_KINDS } from '../../config/function-kinds.js';
import { sameValue } from '../../core/step.js';
import { HMAC_KEY_VARIABLE, handlerEnvironment, needsSecrets, redactEnvironment } from '../../spec/handler-environment.js';
import { grant } from '../../core/permissions.js';
import { functionArn } from '../../steps/function-step.js';
import { fail, ok, warn, type Check } from '../check.js';

/** Runtimes Lambda has deprecated or is about to (nodejs20.x: April 2026). */
const OLD_RUNTIME = /^nodejs(1\d|20)\.x$/;

/** Each function exists, is ready, runs a current runtime and has the settings up gives it. */
export const handlersCheck: Check = {
  id: 'handlers',
  title: 'Handler runtime and settings',
  permissions: (scope) => [
    grant(
      ['lambda:GetFunctionConfiguration'],
      FUNCTION_KINDS.map((k) => functionArn(scope, k)),
    ),
  ],
  async run({ ctx, lookups }) {
    const failures: string[] = [];
    const warnings: string[] = [];
    await Promise.all(
      FUNCTION_KINDS.map(async (kind) => {
        const name = ctx.names.functions[kind];
        const conf = await lookups.functionConfig(kind);
        if (!conf) return void failures.push(`${name} does not exist`);
        if (conf.State && conf.State !== 'Active')
          failures.push(`${name} is ${conf.State}${conf.StateReason ? ` (${conf.StateReason})` : ''}`);
        if (conf.LastUpdateStatus === 'Failed')
          failures.push(`${name}: last update failed (${conf.LastUpdateStatusReason ?? 'no reason given'})`);
        if (conf.Runtime && OLD_RUNTIME.test(conf.Runtime)) failures.push(`${name} runs ${conf.Runtime}, deprecated`);
        else if (conf.Runtime !== ctx.config.lambda.runtime)
          warnings.push(`${name} runs ${conf.Runtime ?? 'no managed runtime'}, config says ${ctx.config.lambda.runtime}`);
        const deployed = conf.Environment?.Variables ?? {};
        // The secret is compared with the recorded one (when there is state) and never printed.
        const secret = ctx.state.resources.handlerKey ?? deployed[HMAC_KEY_VARIABLE];
        const want = redactEnvironment(
          handlerEnvironment(kind, ctx.config, needsSecrets(kind) ? { hmacKey: secret ?? '' } : undefined),
        ) as Record<string, string>;
        const have = redactEnvironment(deployed) as Record<string, string>;
        if (!sameValue(have, want)) {
          const keys = [...new Set([...Object.keys(want), ...Object.keys(have)])].filter((k) => have[k] !== want[k]).sort();
          failures.push(
            `${name}: environment differs from the config (${keys.map((k) => `${k}=${have[k] ?? '(unset)'}, want ${want[k] ?? '(unset)'}`).join('; ')})`,
          );
        }
        if ((conf.Timeout ?? 0) > 5) warnings.push(`${name}: timeout ${conf.Timeout} s (Cognito waits 5 s at most)`);
        const tracing = conf.TracingConfig?.Mode === 'Active';
        if (tracing !== ctx.config.monitoring.tracing)
          warnings.push(`${name}: X-Ray tracing ${tracing ? 'on' : 'off'}, config says ${ctx.config.monitoring.tracing ? 'on' : 'off'}`);
      }),
    );
    const fix = 'Run "otp-setup up": it puts back the runtime and settings from the config.';
    if (failures.length > 0) return fail(failures.sort().join('; '), fix);
    if (warnings.length > 0) return warn(warnings.sort().join('; '), fix);
    return ok(`${FUNCTION_KINDS.length} functions on ${ctx.config.lambda.runtime}, settings as configured`);
  },
};
