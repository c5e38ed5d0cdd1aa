import { createAwsClients } from '../aws/clients.js';
import { loadConfig } from '../config/load-config.js';
import { EMAIL_PATTERN } from '../config/patterns.js';
import { OtpError, isOtpError, usageError } from '../core/errors.js';
import { CODE_PATTERN, codeSource } from '../sign-in/code-source.js';
import { revokeRefreshToken, signedInUser, signIn } from '../sign-in/custom-auth-client.js';
import { resolveTarget, type SignInTarget } from '../sign-in/target.js';
import { ensureUser } from '../sign-in/test-user.js';
import type { CommandEnv } from './deps.js';
import { awsSettings, configPath, openStack } from './stack-context.js';

export interface TestAuthOptions {
  email: string;
  userPoolId?: string;
  clientId?: string;
  createUser?: boolean;
  code?: string;
  showTokens?: boolean;
  keepSession?: boolean;
}

/** The endpoint the SDK will use: the flag, then the SDK's own environment variables. */
function customEndpoint(env: CommandEnv): string | undefined {
  const e = env.deps.env;
  return env.global.endpointUrl ?? e.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER ?? e.AWS_ENDPOINT_URL ?? undefined;
}

function findTarget(env: CommandEnv, options: TestAuthOptions): Promise<SignInTarget> {
  const overrides = { stage: env.global.stage, region: env.global.region };
  return resolveTarget(
    { userPoolId: options.userPoolId, clientId: options.clientId, endpoint: customEndpoint(env), region: env.global.region },
    {
      async config(required) {
        try {
          return (await loadConfig(configPath(env), overrides)).config;
        } catch (err) {
          if (!required && isOtpError(err) && err.code === 'CONFIG_NOT_FOUND') return undefined;
          throw err;
        }
      },
      async recorded() {
        const stack = await openStack(env);
        try {
          const { userPoolId, clientId } = stack.ctx.state.resources;
          return { userPoolId, clientId, region: stack.ctx.region, stackId: stack.ctx.names.stackId };
        } finally {
          await stack.close();
        }
      },
    },
  );
}

/** The code length, when the config describes the pool (not for a pool named by --user-pool-id). */
function codeLength(target: SignInTarget, options: TestAuthOptions): number | undefined {
  return options.userPoolId === undefined ? target.config?.otp.length : undefined;
}

const minutes = (seconds: number) => (seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`);

export async function testAuthCommand(env: CommandEnv, options: TestAuthOptions): Promise<number> {
  const { io } = env;
  if (!EMAIL_PATTERN.test(options.email))
    throw usageError('INVALID_EMAIL', `--email ${options.email} is not an email address.`, 'Use the address that should receive the code.');
  if (options.code !== undefined && !CODE_PATTERN.test(options.code)) {
    throw usageError('INVALID_CODE', '--code must be the digits from the email.', 'Copy the code exactly as the email shows it.');
  }
  const target = await findTarget(env, options);
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
    const created = await ensureUser(io, cognito, target, options.email, Boolean(options.createUser));
    const codes = codeSource(io, env.deps.stdin, options.code);
    const tokens = await signIn(io, cognito, target, { email: options.email, codes, codeLength: length }).finally(() => codes.close());

    const check = io.step("Verifying the tokens against the pool's JWKS");
    // aws-jwt-verify loads only for this command.
    const { verifySignInTokens } = await import('../sign-in/verify-tokens.js');
    const verified = await verifySignInTokens(target, tokens).catch((err: unknown) => {
      check.fail('The tokens did not verify');
      throw err;
    });
    check.succeed('Tokens verified: signature, issuer, audience, expiry');

    const user = await signedInUser(cognito, target, tokens.accessToken);
    const attrs = user.attributes;
    const signedInAs = attrs.email ?? (typeof verified.id.email === 'string' ? verified.id.email : options.email);
    if (signedInAs.toLowerCase() !== options.email.toLowerCase()) {
      throw new OtpError('WRONG_USER', `Signed in as ${signedInAs}, not ${options.email}.`, {
        resolution: 'The pool resolved the name to another account; check its users.',
      });
    }

    let revoked = false;
    if (!options.keepSession && tokens.refreshToken) {
      await revokeRefreshToken(cognito, target, tokens.refreshToken);
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
      `Signed in as ${signedInAs} (username ${user.username}, sub ${attrs.sub ?? String(verified.id.sub)})${tokens.attempts > 1 ? ` after ${tokens.attempts} attempts` : ''}.`,
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
      username: user.username,
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
