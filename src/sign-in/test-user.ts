import { randomBytes } from 'node:crypto';
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { awsErrorName } from '../aws/aws-errors.js';
import { sdk } from '../aws/sdk.js';
import { OtpError } from '../core/errors.js';
import type { IoHost } from '../core/io.js';
import { grant, type Grant, type PermissionScope } from '../core/permissions.js';
import { userPoolArns } from '../steps/user-pool-step.js';
import { cognitoFailure } from './cognito-failure.js';
import type { SignInTarget } from './target.js';

/**
 * The administrative calls (IAM-authorized) that find or create the test user. The sign-in itself
 * (InitiateAuth, RespondToAuthChallenge, GetUser, RevokeToken) is Cognito's public API: no IAM.
 */
export function testAuthPermissions(scope: PermissionScope): Grant[] {
  return [grant(['cognito-idp:AdminGetUser', 'cognito-idp:AdminCreateUser', 'cognito-idp:AdminSetUserPassword'], userPoolArns(scope))];
}

/**
 * AdminGetUser, then AdminCreateUser + a permanent random password when `create` is set.
 * Answers whether it created the user.
 */
export async function ensureUser(
  io: IoHost,
  cognito: CognitoIdentityProviderClient,
  target: SignInTarget,
  email: string,
  create: boolean,
): Promise<boolean> {
  const api = sdk('@aws-sdk/client-cognito-identity-provider');
  try {
    const user = await cognito.send(new api.AdminGetUserCommand({ UserPoolId: target.userPoolId, Username: email }));
    if (user.UserStatus === 'FORCE_CHANGE_PASSWORD' && create) await setPermanentPassword(cognito, target, email);
    return false;
  } catch (err) {
    if (awsErrorName(err) !== 'UserNotFoundException') {
      if (create) throw cognitoFailure(err, 'cognito-idp:AdminGetUser', target);
      // Only an existence check: without admin rights the sign-in itself still works.
      io.debug(`cannot check whether the user exists (${awsErrorName(err)}); trying the sign-in anyway`);
      return false;
    }
  }
  if (!create) {
    throw new OtpError('USER_NOT_FOUND', `There is no user ${email} in pool ${target.userPoolId}.`, {
      resolution: `Add --create-user to create it (confirmed, email verified, no invitation email), or sign up from your app first.`,
    });
  }
  const step = io.step(`Creating user ${email}`);
  try {
    await cognito.send(
      new api.AdminCreateUserCommand({
        UserPoolId: target.userPoolId,
        Username: email,
        MessageAction: 'SUPPRESS',
        UserAttributes: [
          { Name: 'email', Value: email },
          { Name: 'email_verified', Value: 'true' },
        ],
      }),
    );
    // AdminCreateUser leaves the user in FORCE_CHANGE_PASSWORD, and Cognito then answers a
    // correct code with NEW_PASSWORD_REQUIRED; a permanent (never used) password confirms it.
    await setPermanentPassword(cognito, target, email);
  } catch (err) {
    step.fail(`Could not create ${email}`);
    throw cognitoFailure(err, 'cognito-idp:AdminCreateUser', target);
  }
  step.succeed(`Created user ${email} (confirmed, email verified)`);
  return true;
}

async function setPermanentPassword(cognito: CognitoIdentityProviderClient, target: SignInTarget, email: string): Promise<void> {
  const { AdminSetUserPasswordCommand } = sdk('@aws-sdk/client-cognito-identity-provider');
  // Satisfies any password policy: upper, lower, digit and symbol classes, 40+ characters.
  const password = `Aa1!${randomBytes(30).toString('base64url')}`;
  await cognito.send(
    new AdminSetUserPasswordCommand({ UserPoolId: target.userPoolId, Username: email, Password: password, Permanent: true }),
  );
}
