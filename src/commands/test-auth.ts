import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { awsErrorName, toUserError } from '../aws/aws-errors.js';
import { createAwsClients } from '../aws/clients.js';
import { loadConfig } from '../config/load-config.js';
import type { Config } from '../config/schema.js';
import { OtpError, isOtpError, usageError } from '../core/errors.js';
import { grant, type PermissionScope, type Grant } from '../core/permissions.js';
import { userPoolArns } from '../steps/user-pool-step.js';
import type { CommandEnv } from './deps.js';
import { awsSettings, configPath, openStack } from './stack-context.js';
import { sdk } from '../aws/sdk.js';

export interface TestAuthOptions {
  email: string;
  userPoolId?: string;
  clientId?: string;
  createUser?: boolean;
  code?: string;
  showTokens?: boolean;
  keepSession?: boolean;
}

interface Target {
  userPoolId: string;
  clientId: string;
  region: string;
  endpoint: string | undefined;
  config: Config | undefined;
  /** A running `otp-setup sandbox` answered at the endpoint. */
  sandbox?: boolean;
}

/**
 * The administrative calls (IAM-authorized) that find or create the test user. The sign-in itself
 * (InitiateAuth, RespondToAuthChallenge, GetUser, RevokeToken) is Cognito's public API: no IAM.
 */
export function testAuthPermissions(scope: PermissionScope): Grant[] {
  return [grant(['cognito-idp:AdminGetUser', 'cognito-idp:AdminCreateUser', 'cognito-idp:AdminSetUserPassword'], userPoolArns(scope))];
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const POOL_ID = /^[\w-]+_[0-9a-zA-Z]+$/;

/** The endpoint the SDK will use: the flag, then the SDK's own environment variables. */
function customEndpoint(env: CommandEnv): string | undefined {
  const e = env.deps.env;
  return env.global.endpointUrl ?? e.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER ?? e.AWS_ENDPOINT_URL ?? undefined;
}

async function loadOptionalConfig(env: CommandEnv, required: boolean): Promise<Config | undefined> {
  try {
    return (await loadConfig(configPath(env), { stage: env.global.stage, region: env.global.region })).config;
  } catch (err) {
    if (!required && isOtpError(err) && err.code === 'CONFIG_NOT_FOUND') return undefined;
    throw err;
  }
}

/** A running `otp-setup sandbox` says which pool it serves, so no state file is needed for it. */
async function sandboxInfo(endpoint: string): Promise<{ userPoolId: string; clientId: string; region: string } | undefined> {
  try {
    const res = await fetch(`${endpoint.replace(/\/+$/, '')}/_sandbox/info`, { signal: AbortSignal.timeout(3_000) });
    if (!res.ok) return undefined;
    const info = (await res.json()) as Record<string, unknown>;
    const { userPoolId, clientId, region } = info;
    return typeof userPoolId === 'string' && typeof clientId === 'string' && typeof region === 'string'
      ? { userPoolId, clientId, region }
      : undefined;
  } catch {
    return undefined;
  }
}

async function resolveTarget(env: CommandEnv, options: TestAuthOptions): Promise<Target> {
  const endpoint = customEndpoint(env);
  const explicit = options.userPoolId !== undefined && options.clientId !== undefined;
  if ((options.userPoolId === undefined) !== (options.clientId === undefined)) {
    throw usageError(
      'IDS_INCOMPLETE',
      'Pass --user-pool-id and --client-id together.',
      'Or pass neither to use the pool recorded by "otp-setup up".',
    );
  }
  if (options.userPoolId !== undefined && !POOL_ID.test(options.userPoolId)) {
    throw usageError(
      'INVALID_POOL_ID',
      `--user-pool-id ${options.userPoolId} is not a user pool id.`,
      'A pool id looks like us-east-1_AbC123xyz.',
    );
  }
  const sandbox = !explicit && endpoint ? await sandboxInfo(endpoint) : undefined;
  const config = await loadOptionalConfig(env, !explicit && !sandbox);
  const regionOf = (poolId: string) => env.global.region ?? poolId.split('_')[0] ?? config?.region ?? 'us-east-1';
  if (explicit)
    return { userPoolId: options.userPoolId!, clientId: options.clientId!, region: regionOf(options.userPoolId!), endpoint, config };
  if (sandbox) return { ...sandbox, endpoint, config, sandbox: true };

  const stack = await openStack(env);
  try {
    const { userPoolId, clientId } = stack.ctx.state.resources;
    if (!userPoolId || !clientId) {
      throw new OtpError('NO_STACK', `No user pool is recorded for stack ${stack.ctx.names.stackId} in ${stack.ctx.region}.`, {
        resolution:
          'Run "otp-setup up" first, or pass --user-pool-id and --client-id (for the sandbox: --endpoint-url http://127.0.0.1:8787).',
      });
    }
    return { userPoolId, clientId, region: stack.ctx.region, endpoint, config };
  } finally {
    await stack.close();
  }
}

/** Where codes come from: --code first, then a prompt on a terminal, or stdin lines otherwise. */
function codeSource(env: CommandEnv, first: string | undefined) {
  const { io } = env;
  let pendingFirst = first;
  let lines: AsyncIterator<string, undefined> | undefined;
  let rl: ReturnType<typeof createInterface> | undefined;
  return {
    async next(hint: string): Promise<string | undefined> {
      if (pendingFirst !== undefined) {
        const c = pendingFirst;
        pendingFirst = undefined;
        return c.trim();
      }
      if (io.interactive) {
        try {
          const answer = await io.ask(hint, {
            mask: true,
            validate: (v) => (/^\s*\d{4,10}\s*$/.test(v) ? true : 'Enter the digits from the email.'),
          });
          return answer.trim();
        } catch (err) {
          // Ctrl-C or a closed terminal ends the prompt; that is the user's choice, not a bug.
          if ((err as Error).name === 'ExitPromptError' || (err as Error).name === 'AbortPromptError') {
            throw new OtpError('CANCELLED', 'Sign-in cancelled: no code was entered.');
          }
          throw err;
        }
      }
      if (!lines) {
        io.info(`${hint} (reading it from stdin)`);
        rl = createInterface({ input: env.deps.stdin, crlfDelay: Infinity, terminal: false });
        lines = rl[Symbol.asyncIterator]();
      }
      for (;;) {
        const { value, done } = await lines.next();
        if (done) return undefined;
        if (value.trim() !== '') return value.trim();
      }
    },
    close() {
      rl?.close();
    },
  };
}

/** The code length, when the config describes the pool (not for a pool named by --user-pool-id). */
function codeLength(target: Target, options: TestAuthOptions): number | undefined {
  return options.userPoolId === undefined ? target.config?.otp.length : undefined;
}

function cognitoFailure(err: unknown, action: string, target: Target): OtpError {
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

/** AdminGetUser, then AdminCreateUser + a permanent random password when asked to create it. */
async function ensureUser(
  env: CommandEnv,
  cognito: CognitoIdentityProviderClient,
  target: Target,
  options: TestAuthOptions,
): Promise<boolean> {
  const api = sdk('@aws-sdk/client-cognito-identity-provider');
  try {
    const user = await cognito.send(new api.AdminGetUserCommand({ UserPoolId: target.userPoolId, Username: options.email }));
    if (user.UserStatus === 'FORCE_CHANGE_PASSWORD' && options.createUser) await setPermanentPassword(cognito, target, options.email);
    return false;
  } catch (err) {
    if (awsErrorName(err) !== 'UserNotFoundException') {
      if (options.createUser) throw cognitoFailure(err, 'cognito-idp:AdminGetUser', target);
      // Only an existence check: without admin rights the sign-in itself still works.
      env.io.debug(`cannot check whether the user exists (${awsErrorName(err)}); trying the sign-in anyway`);
      return false;
    }
  }
  if (!options.createUser) {
    throw new OtpError('USER_NOT_FOUND', `There is no user ${options.email} in pool ${target.userPoolId}.`, {
      resolution: `Add --create-user to create it (confirmed, email verified, no invitation email), or sign up from your app first.`,
    });
  }
  const step = env.io.step(`Creating user ${options.email}`);
  try {
    await cognito.send(
      new api.AdminCreateUserCommand({
        UserPoolId: target.userPoolId,
        Username: options.email,
        MessageAction: 'SUPPRESS',
        UserAttributes: [
          { Name: 'email', Value: options.email },
          { Name: 'email_verified', Value: 'true' },
        ],
      }),
    );
    // AdminCreateUser leaves the user in FORCE_CHANGE_PASSWORD, and Cognito then answers a
    // correct code with NEW_PASSWORD_REQUIRED; a permanent (never used) password confirms it.
    await setPermanentPassword(cognito, target, options.email);
  } catch (err) {
    step.fail(`Could not create ${options.email}`);
    throw cognitoFailure(err, 'cognito-idp:AdminCreateUser', target);
  }
  step.succeed(`Created user ${options.email} (confirmed, email verified)`);
  return true;
}

async function setPermanentPassword(cognito: CognitoIdentityProviderClient, target: Target, email: string): Promise<void> {
  const { AdminSetUserPasswordCommand } = sdk('@aws-sdk/client-cognito-identity-provider');
  // Satisfies any password policy: upper, lower, digit and symbol classes, 40+ characters.
  const password = `Aa1!${randomBytes(30).toString('base64url')}`;
  await cognito.send(
    new AdminSetUserPasswordCommand({ UserPoolId: target.userPoolId, Username: email, Password: password, Permanent: true }),
  );
}

interface SignInResult {
  idToken: string;
  accessToken: string;
  refreshToken: string | undefined;
  attempts: number;
}

async function signIn(
  env: CommandEnv,
  cognito: CognitoIdentityProviderClient,
  target: Target,
  options: TestAuthOptions,
): Promise<SignInResult> {
  const { InitiateAuthCommand, RespondToAuthChallengeCommand } = sdk('@aws-sdk/client-cognito-identity-provider');
  const { io } = env;
  const maxAttempts = target.config?.otp.maxAttempts;
  const sessionMinutes = target.config?.client.authSessionValidityMinutes;

  const step = io.step(`Requesting a code for ${options.email}`);
  let challenge;
  try {
    challenge = await cognito.send(
      new InitiateAuthCommand({ ClientId: target.clientId, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: options.email } }),
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
  const where = challenge.ChallengeParameters?.maskedEmail ?? options.email;
  step.succeed(`Code sent to ${where}`);

  const length = codeLength(target, options);
  const codes = codeSource(env, options.code);
  let session = challenge.Session;
  const username = challenge.ChallengeParameters?.USERNAME ?? options.email;
  try {
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
  } finally {
    codes.close();
  }
}

const minutes = (seconds: number) => (seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`);

export async function testAuthCommand(env: CommandEnv, options: TestAuthOptions): Promise<number> {
  const { io } = env;
  if (!EMAIL.test(options.email))
    throw usageError('INVALID_EMAIL', `--email ${options.email} is not an email address.`, 'Use the address that should receive the code.');
  if (options.code !== undefined && !/^\s*\d{4,10}\s*$/.test(options.code)) {
    throw usageError('INVALID_CODE', '--code must be the digits from the email.', 'Copy the code exactly as the email shows it.');
  }
  const target = await resolveTarget(env, options);
  const length = codeLength(target, options);
  // Refused here, before InitiateAuth: a wrong-length code would cost an email and an attempt.
  if (options.code !== undefined && length !== undefined && options.code.trim().length !== length) {
    throw usageError(
      'INVALID_CODE',
      `--code has ${options.code.trim().length} digits, but this pool's codes have ${length} (otp.length).`,
      'Copy the whole code from the newest email. Nothing was sent and no attempt was used.',
    );
  }
  const aws = (env.deps.createAwsClients ?? createAwsClients)({
    ...awsSettings(env, target.region),
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
    // The sandbox checks no signature: needing real AWS credentials for it would defeat its purpose.
    ...(target.sandbox && !env.global.profile && !env.deps.env.AWS_ACCESS_KEY_ID
      ? { credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' } }
      : {}),
    maxAttempts: 3,
  });
  try {
    const cognito = await aws.cognito();
    io.info(`otp-setup test-auth · pool ${target.userPoolId} · client ${target.clientId} · ${target.endpoint ?? target.region}`);
    const created = await ensureUser(env, cognito, target, options);
    const tokens = await signIn(env, cognito, target, options);

    const check = io.step("Verifying the tokens against the pool's JWKS");
    const { verifyCognitoTokens } = await import('../sandbox/token-verifier.js');
    let verified;
    try {
      verified = await verifyCognitoTokens({
        idToken: tokens.idToken,
        accessToken: tokens.accessToken,
        userPoolId: target.userPoolId,
        clientId: target.clientId,
        endpoint: target.endpoint,
      });
    } catch (err) {
      check.fail('The tokens did not verify');
      throw new OtpError('TOKENS_INVALID', `Cognito returned tokens that do not verify: ${(err as Error).message}`, {
        cause: err,
        resolution: 'Check the clock of this machine and the pool/client ids; the tokens must come from this pool and client.',
      });
    }
    check.succeed('Tokens verified: signature, issuer, audience, expiry');

    const { GetUserCommand, RevokeTokenCommand } = sdk('@aws-sdk/client-cognito-identity-provider');
    const user = await cognito.send(new GetUserCommand({ AccessToken: tokens.accessToken })).catch((err: unknown) => {
      throw cognitoFailure(err, 'cognito-idp:GetUser', target);
    });
    const attrs = Object.fromEntries((user.UserAttributes ?? []).map((a) => [a.Name ?? '', a.Value ?? '']));
    const signedInAs = attrs.email ?? (typeof verified.id.email === 'string' ? verified.id.email : options.email);
    if (signedInAs.toLowerCase() !== options.email.toLowerCase()) {
      throw new OtpError('WRONG_USER', `Signed in as ${signedInAs}, not ${options.email}.`, {
        resolution: 'The pool resolved the name to another account; check its users.',
      });
    }

    let revoked = false;
    if (!options.keepSession && tokens.refreshToken) {
      await cognito.send(new RevokeTokenCommand({ ClientId: target.clientId, Token: tokens.refreshToken })).catch((err: unknown) => {
        throw cognitoFailure(err, 'cognito-idp:RevokeToken', target);
      });
      revoked = true;
    }

    const lifetime = (claims: Record<string, unknown>) => {
      const exp = Number(claims.exp);
      const iat = Number(claims.iat);
      return { expiresAt: new Date(exp * 1000).toISOString(), lifetimeSeconds: exp - iat };
    };
    const id = lifetime(verified.id);
    const access = lifetime(verified.access);
    io.out('');
    io.out(
      `Signed in as ${signedInAs} (username ${user.Username}, sub ${attrs.sub ?? String(verified.id.sub)})${tokens.attempts > 1 ? ` after ${tokens.attempts} attempts` : ''}.`,
    );
    io.out(`  ID token:      valid ${minutes(id.lifetimeSeconds)}, until ${id.expiresAt}`);
    io.out(
      `  Access token:  valid ${minutes(access.lifetimeSeconds)}, until ${access.expiresAt} (scope ${typeof verified.access.scope === 'string' ? verified.access.scope : ''})`,
    );
    io.out(`  Refresh token: ${revoked ? 'revoked (pass --keep-session to keep it)' : tokens.refreshToken ? 'kept' : 'none issued'}`);
    io.out(`  Email verified: ${attrs.email_verified ?? 'false'}`);
    if (options.showTokens) {
      io.out('');
      io.out(`ID token:      ${tokens.idToken}`);
      io.out(`Access token:  ${tokens.accessToken}`);
      if (tokens.refreshToken && !revoked) io.out(`Refresh token: ${tokens.refreshToken}`);
    }
    io.result({
      ok: true,
      command: 'test-auth',
      email: signedInAs,
      username: user.Username,
      sub: attrs.sub ?? verified.id.sub,
      userCreated: created,
      userPoolId: target.userPoolId,
      clientId: target.clientId,
      region: target.region,
      ...(target.endpoint ? { endpoint: target.endpoint } : {}),
      issuer: verified.issuer,
      attempts: tokens.attempts,
      idToken: id,
      accessToken: access,
      refreshTokenRevoked: revoked,
      ...(options.showTokens
        ? {
            tokens: {
              idToken: tokens.idToken,
              accessToken: tokens.accessToken,
              ...(tokens.refreshToken && !revoked ? { refreshToken: tokens.refreshToken } : {}),
            },
          }
        : {}),
    });
    return 0;
  } finally {
    aws.destroy();
  }
}
