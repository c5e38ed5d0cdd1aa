import { awsErrorName, toUserError } from '../aws/aws-errors.js';
import { OtpError } from '../core/errors.js';
import type { SignInTarget } from './target.js';

/** What a Cognito refusal during a sign-in means for the stack, with the fix. */
export function cognitoFailure(err: unknown, action: string, target: SignInTarget): OtpError {
  const name = awsErrorName(err);
  const message = err instanceof Error ? err.message : String(err);
  if (name === 'ResourceNotFoundException') {
    return new OtpError(
      'POOL_NOT_FOUND',
      `Cognito does not know this pool or app client (${target.userPoolId} / ${target.clientId}): ${message}`,
      {
        cause: err,
        resolution: 'Check --region, --stage and the ids; run "otp-setup status" to see what is deployed.',
      },
    );
  }
  if (name === 'UserNotConfirmedException') {
    return new OtpError('USER_NOT_CONFIRMED', 'The user exists but is not confirmed, so Cognito refuses to start a sign-in.', {
      cause: err,
      resolution: 'Confirm it (aws cognito-idp admin-confirm-sign-up) or check that the PreSignUp trigger is attached ("otp-setup up").',
    });
  }
  if (name === 'UserLambdaValidationException' || name === 'UnexpectedLambdaException' || name === 'InvalidLambdaResponseException') {
    // Cognito wraps the trigger's own sentence in "… failed with error <message>." (two periods).
    return new OtpError('TRIGGER_FAILED', `A Cognito trigger failed: ${message.replace(/\.{2,}$/, '.')}`, {
      cause: err,
      resolution: target.sandbox
        ? 'The triggers run inside the sandbox: restart it with --debug to see their log lines.'
        : 'Read the function\'s log (aws logs tail /aws/lambda/<function> --since 10m); "otp-setup doctor" checks the usual causes.',
    });
  }
  if (name === 'InvalidParameterException' && /flow not enabled/i.test(message)) {
    return new OtpError('CUSTOM_AUTH_DISABLED', `The app client does not allow this flow: ${message}`, {
      cause: err,
      resolution: 'Run "otp-setup up" to restore ALLOW_CUSTOM_AUTH on the app client.',
    });
  }
  return toUserError(err, action, target.userPoolId);
}
