import type { FunctionKind } from '../config/function-kinds.js';
import { CognitoError } from './cognito-error.js';
import type { PoolContext } from './pool-context.js';
import type { SandboxUser } from './sandbox-store.js';
import { TriggerError } from './trigger-runner.js';
import { errorMessage } from '../core/errors.js';

const TRIGGER_NAMES: Partial<Record<string, string>> = {
  'define-auth-challenge': 'DefineAuthChallenge',
  'create-auth-challenge': 'CreateAuthChallenge',
  'verify-auth-challenge': 'VerifyAuthChallengeResponse',
  'pre-sign-up': 'PreSignUp',
  'post-authentication': 'PostAuthentication',
};

/** Cognito's name for a trigger (its LambdaConfig field): `post-authentication` → PostAuthentication. */
export function triggerName(kind: string): string {
  return TRIGGER_NAMES[kind] ?? kind.replace(/(^|-)([a-z])/g, (_m, _dash: string, c: string) => c.toUpperCase());
}

/** The userAttributes Cognito puts in trigger events: every attribute plus sub and the status. */
export function eventAttributes(user: SandboxUser | undefined): Record<string, string> {
  if (!user) return {};
  return { ...user.attributes, 'cognito:user_status': user.status };
}

/**
 * Invokes one trigger with Cognito's event envelope and returns its `response`. Failures come
 * back as the errors Cognito gives the caller: a thrown error is UserLambdaValidationException
 * "<Trigger> failed with error <message>.", an overrun is UnexpectedLambdaException.
 */
export async function callTrigger(
  ctx: PoolContext,
  kind: FunctionKind,
  triggerSource: string,
  userName: string,
  request: Record<string, unknown>,
  response: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const name = triggerName(kind);
  const event = {
    version: '1',
    region: ctx.region,
    userPoolId: ctx.store.state.userPoolId,
    userName,
    callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: ctx.store.state.clientId },
    triggerSource,
    request,
    response,
  };
  let result: Record<string, unknown>;
  try {
    result = await ctx.triggers.invoke(kind, event);
  } catch (err) {
    if (err instanceof TriggerError && err.reason === 'timeout') {
      throw new CognitoError(
        'UnexpectedLambdaException',
        `${name} invocation failed due to error Socket timeout while invoking Lambda function.`,
      );
    }
    if (err instanceof TriggerError && err.reason === 'missing') {
      throw new CognitoError('InvalidParameterException', `${name} lambda trigger is not configured for the user pool.`);
    }
    throw new CognitoError('UserLambdaValidationException', `${name} failed with error ${errorMessage(err)}.`);
  }
  const out = result.response;
  if (typeof out !== 'object' || out === null || Array.isArray(out)) {
    throw new CognitoError('InvalidLambdaResponseException', 'Unrecognizable lambda output');
  }
  return out as Record<string, unknown>;
}
