import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { awsErrorName } from '../aws/aws-errors.js';
import { sdk } from '../aws/sdk.js';
import { OtpError } from '../core/errors.js';
import type { IoHost } from '../core/io.js';
import type { CodeSource } from './code-source.js';
import { cognitoFailure } from './cognito-failure.js';
import type { SignInTarget } from './target.js';

export interface SignInOptions {
  email: string;
  codes: CodeSource;
  /** The pool's code length when known: a code of another length is not sent and costs no attempt. */
  codeLength: number | undefined;
}

export interface SignInResult {
  idToken: string;
  accessToken: string;
  refreshToken: string | undefined;
  attempts: number;
}

/**
 * Cognito's CUSTOM_AUTH flow as an app runs it: InitiateAuth sends the code, then
 * RespondToAuthChallenge with each code until Cognito issues tokens or ends the sign-in.
 */
export async function signIn(
  io: IoHost,
  cognito: CognitoIdentityProviderClient,
  target: SignInTarget,
  options: SignInOptions,
): Promise<SignInResult> {
  const { InitiateAuthCommand, RespondToAuthChallengeCommand } = sdk('@aws-sdk/client-cognito-identity-provider');
  const { email, codes, codeLength: length } = options;
  const maxAttempts = target.config?.otp.maxAttempts;
  const sessionMinutes = target.config?.client.authSessionValidityMinutes;

  const step = io.step(`Requesting a code for ${email}`);
  let challenge;
  try {
    challenge = await cognito.send(
      new InitiateAuthCommand({ ClientId: target.clientId, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: email } }),
    );
  } catch (err) {
    step.fail('Cognito refused to start the sign-in');
    throw cognitoFailure(err, 'cognito-idp:InitiateAuth', target);
  }
  if (challenge.AuthenticationResult) {
    step.fail('Cognito issued tokens without asking for a code');
    throw new OtpError(
      'NO_CHALLENGE',
      'Cognito signed the user in without a code: the DefineAuthChallenge trigger is not the one otp-setup deploys.',
      {
        resolution: 'Run "otp-setup up" to restore the triggers, then try again.',
      },
    );
  }
  if (challenge.ChallengeName !== 'CUSTOM_CHALLENGE' || !challenge.Session) {
    step.fail(`Unexpected challenge ${challenge.ChallengeName ?? '(none)'}`);
    throw new OtpError('UNEXPECTED_CHALLENGE', `Cognito asked for ${challenge.ChallengeName ?? 'nothing'} instead of the emailed code.`, {
      resolution: 'Run "otp-setup up" to restore the triggers and the app client settings.',
    });
  }
  const where = challenge.ChallengeParameters?.maskedEmail ?? email;
  step.succeed(`Code sent to ${where}`);

  let session = challenge.Session;
  const username = challenge.ChallengeParameters?.USERNAME ?? email;
  for (let attempt = 1; ; attempt++) {
    const code = await codes.next(`Code from the email to ${where}:`);
    if (code !== undefined && length !== undefined && code.length !== length) {
      io.warn(`That code has ${code.length} digits; this pool's codes have ${length}. It was not sent and used no attempt.`);
      attempt -= 1; // the loop's attempt += 1 then asks for the same attempt again
      continue;
    }
    if (code === undefined) {
      throw new OtpError('NO_CODE', attempt === 1 ? 'No code was given.' : 'The code was wrong and no other code was given.', {
        resolution: 'Pass --code <digits>, pipe the code on stdin, or run in a terminal to be asked for it.',
      });
    }
    let answer;
    try {
      answer = await cognito.send(
        new RespondToAuthChallengeCommand({
          ClientId: target.clientId,
          ChallengeName: 'CUSTOM_CHALLENGE',
          Session: session,
          ChallengeResponses: { USERNAME: username, ANSWER: code },
        }),
      );
    } catch (err) {
      const name = awsErrorName(err);
      const message = err instanceof Error ? err.message : '';
      if (name === 'NotAuthorizedException' && /session is expired/i.test(message)) {
        throw new OtpError(
          'SESSION_EXPIRED',
          `The sign-in session expired before the code was entered${sessionMinutes ? ` (the app client allows ${sessionMinutes} min)` : ''}.`,
          {
            cause: err,
            resolution: 'Run the command again and enter the new code sooner.',
          },
        );
      }
      if (name === 'NotAuthorizedException') {
        throw new OtpError(
          'SIGN_IN_FAILED',
          `Sign-in failed: Cognito rejected the code ${attempt === 1 ? 'once' : `${attempt} times`} and ended the sign-in (${message.replace(/\.$/, '')}).`,
          {
            cause: err,
            resolution: 'Run the command again to get a new code; check that you copy the newest email.',
          },
        );
      }
      throw cognitoFailure(err, 'cognito-idp:RespondToAuthChallenge', target);
    }
    const result = answer.AuthenticationResult;
    if (result?.IdToken && result.AccessToken) {
      return { idToken: result.IdToken, accessToken: result.AccessToken, refreshToken: result.RefreshToken, attempts: attempt };
    }
    if (answer.ChallengeName !== 'CUSTOM_CHALLENGE' || !answer.Session) {
      throw new OtpError('UNEXPECTED_CHALLENGE', `After the code Cognito asked for ${answer.ChallengeName ?? 'nothing'}.`, {
        resolution:
          answer.ChallengeName === 'NEW_PASSWORD_REQUIRED'
            ? 'The user still has a temporary password: re-run with --create-user to make it permanent.'
            : 'Run "otp-setup up" to restore the triggers.',
      });
    }
    session = answer.Session;
    const left = maxAttempts !== undefined ? maxAttempts - attempt : undefined;
    io.warn(`Wrong code.${left !== undefined ? ` ${left} attempt${left === 1 ? '' : 's'} left.` : ' Try again.'}`);
  }
}

export interface SignedInUser {
  username: string | undefined;
  /** The user's attributes by name (email, sub, email_verified, …). */
  attributes: Record<string, string>;
}

/** GetUser with the access token: who the tokens belong to. */
export async function signedInUser(
  cognito: CognitoIdentityProviderClient,
  target: SignInTarget,
  accessToken: string,
): Promise<SignedInUser> {
  const { GetUserCommand } = sdk('@aws-sdk/client-cognito-identity-provider');
  const user = await cognito.send(new GetUserCommand({ AccessToken: accessToken })).catch((err: unknown) => {
    throw cognitoFailure(err, 'cognito-idp:GetUser', target);
  });
  return { username: user.Username, attributes: Object.fromEntries((user.UserAttributes ?? []).map((a) => [a.Name ?? '', a.Value ?? ''])) };
}

/** RevokeToken: ends the session the refresh token belongs to. */
export async function revokeRefreshToken(
  cognito: CognitoIdentityProviderClient,
  target: SignInTarget,
  refreshToken: string,
): Promise<void> {
  const { RevokeTokenCommand } = sdk('@aws-sdk/client-cognito-identity-provider');
  await cognito.send(new RevokeTokenCommand({ ClientId: target.clientId, Token: refreshToken })).catch((err: unknown) => {
    throw cognitoFailure(err, 'cognito-idp:RevokeToken', target);
  });
}
