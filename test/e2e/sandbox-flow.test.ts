import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  CognitoIdentityProviderClient,
  DescribeUserPoolClientCommand,
  GetUserCommand,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  ListUsersCommand,
  RespondToAuthChallengeCommand,
  RevokeTokenCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { JwtVerifier } from 'aws-jwt-verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { buildHandlers } from '../../src/package/build-handlers.js';
import { startSandboxServer, type SandboxServer } from '../../src/sandbox/sandbox-server.js';
import type { StoredMail } from '../../src/sandbox/sandbox-store.js';
import { rejection } from '../support/rejection.js';

const config = parseConfig({ region: 'eu-west-1', email: { from: 'noreply@example.com' }, otp: { maxAttempts: 3 } });

let dir: string;
let server: SandboxServer;
let clock = 0;
const mails: StoredMail[] = [];
let cognito: CognitoIdentityProviderClient;

async function start(): Promise<void> {
  server = await startSandboxServer({ configDir: dir, config, port: 0, onMail: (m) => mails.push(m), now: () => Date.now() + clock });
  cognito = new CognitoIdentityProviderClient({
    region: 'eu-west-1',
    endpoint: server.url,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'otp-sandbox-'));
  await start();
});

afterAll(async () => {
  await server?.close();
  cognito?.destroy();
  await rm(dir, { recursive: true, force: true });
});

const mailsTo = (email: string) => mails.filter((m) => m.to === email);

async function signUp(email: string) {
  return cognito.send(
    new SignUpCommand({
      ClientId: server.clientId,
      Username: email,
      Password: `Pw-${email}-1!`,
      UserAttributes: [{ Name: 'email', Value: email }],
    }),
  );
}

async function initiate(email: string) {
  return cognito.send(new InitiateAuthCommand({ ClientId: server.clientId, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: email } }));
}

async function answer(email: string, session: string | undefined, code: string) {
  return cognito.send(
    new RespondToAuthChallengeCommand({
      ClientId: server.clientId,
      ChallengeName: 'CUSTOM_CHALLENGE',
      Session: session,
      ChallengeResponses: { USERNAME: email, ANSWER: code },
    }),
  );
}

const wrong = (code: string) => String((Number(code) + 1) % 10 ** code.length).padStart(code.length, '0');

function verifiers() {
  const issuer = `${server.url}/${server.userPoolId}`;
  const jwksUri = `${issuer}/.well-known/jwks.json`;
  const id = JwtVerifier.create({
    issuer,
    audience: server.clientId,
    jwksUri,
    customJwtCheck: ({ payload }) => expect(payload.token_use).toBe('id'),
  });
  const access = JwtVerifier.create({
    issuer,
    audience: null,
    jwksUri,
    customJwtCheck: ({ payload }) => expect(payload.client_id).toBe(server.clientId),
  });
  return { id, access, jwksUri };
}

async function verify(idToken: string, accessToken: string) {
  const v = verifiers();
  // aws-jwt-verify fetches over https only: load the sandbox's JWKS (plain http) into its cache.
  const jwks = (await (await fetch(v.jwksUri)).json()) as Parameters<typeof v.id.cacheJwks>[0];
  v.id.cacheJwks(jwks);
  v.access.cacheJwks(jwks);
  return { id: await v.id.verify(idToken), access: await v.access.verify(accessToken) };
}

describe('sandbox through the AWS SDK', () => {
  it('signs up, signs in with the emailed code and issues tokens that verify against its JWKS', async () => {
    const email = 'ada@example.com';
    const up = await signUp(email);
    expect(up.UserConfirmed).toBe(true);

    const challenge = await initiate(email);
    expect(challenge.ChallengeName).toBe('CUSTOM_CHALLENGE');
    expect(challenge.ChallengeParameters?.USERNAME).toBe(up.UserSub);
    expect(challenge.ChallengeParameters?.codeLength).toBe('6');
    const sent = mailsTo(email);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.code).toMatch(/^\d{6}$/);
    expect(sent[0]!.text).toContain(sent[0]!.code);

    const latest = (await (await fetch(`${server.url}/_sandbox/mailbox/latest?email=${encodeURIComponent(email)}`)).json()) as Record<
      string,
      unknown
    >;
    expect(latest).toMatchObject({ to: email, code: sent[0]!.code });

    const done = await answer(email, challenge.Session, sent[0]!.code!);
    const result = done.AuthenticationResult!;
    expect(result.TokenType).toBe('Bearer');
    expect(result.ExpiresIn).toBe(3600);
    const { id, access } = await verify(result.IdToken!, result.AccessToken!);
    expect(id).toMatchObject({
      sub: up.UserSub,
      email,
      aud: server.clientId,
      token_use: 'id',
      'cognito:username': up.UserSub,
      iss: `${server.url}/${server.userPoolId}`,
    });
    expect(access).toMatchObject({
      sub: up.UserSub,
      client_id: server.clientId,
      token_use: 'access',
      scope: 'aws.cognito.signin.user.admin',
      username: up.UserSub,
    });
    expect(access.origin_jti).toBe(id.origin_jti);
    expect(Number(id.exp) - Number(id.iat)).toBe(3600);

    const me = await cognito.send(new GetUserCommand({ AccessToken: result.AccessToken }));
    expect(me.Username).toBe(up.UserSub);
    expect(me.UserAttributes).toContainEqual({ Name: 'email', Value: email });
    // The post-authentication trigger marked the address verified after the first correct code
    // (whether that first ID token already says so depends on Cognito's internal ordering; the
    // stored attribute and every later token do).
    expect(me.UserAttributes).toContainEqual({ Name: 'email_verified', Value: 'true' });
    const again = await initiate(email);
    const second = (await answer(email, again.Session, mailsTo(email).at(-1)!.code!)).AuthenticationResult!;
    expect((await verify(second.IdToken!, second.AccessToken!)).id.email_verified).toBe(true);
  });

  it('does not mark an address verified before a correct code', async () => {
    const email = 'unproven@example.com';
    await signUp(email);
    const challenge = await initiate(email);
    await answer(email, challenge.Session, wrong(mailsTo(email)[0]!.code!));
    const user = await cognito.send(new AdminGetUserCommand({ UserPoolId: server.userPoolId, Username: email }));
    expect(user.UserAttributes).toContainEqual({ Name: 'email_verified', Value: 'false' });
  });

  it('takes a wrong code, asks again without sending another email, then accepts the right one', async () => {
    const email = 'grace@example.com';
    await signUp(email);
    const first = await initiate(email);
    const code = mailsTo(email)[0]!.code!;
    const retry = await answer(email, first.Session, wrong(code));
    expect(retry.ChallengeName).toBe('CUSTOM_CHALLENGE');
    expect(retry.Session).not.toBe(first.Session);
    expect(mailsTo(email)).toHaveLength(1);
    const done = await answer(email, retry.Session, code);
    expect(done.AuthenticationResult?.IdToken).toBeTruthy();
  });

  it('fails the sign-in after three wrong codes, and a session token works only once', async () => {
    const email = 'linus@example.com';
    await signUp(email);
    const first = await initiate(email);
    const code = mailsTo(email)[0]!.code!;
    const second = await answer(email, first.Session, wrong(code));
    expect(await rejection(answer(email, first.Session, code))).toEqual({
      name: 'NotAuthorizedException',
      message: 'Invalid session for the user.',
    });
    const third = await answer(email, second.Session, wrong(code));
    expect(await rejection(answer(email, third.Session, wrong(code)))).toEqual({
      name: 'NotAuthorizedException',
      message: 'Incorrect username or password.',
    });
    expect(mailsTo(email)).toHaveLength(1);
  });

  it('says the session expired once the client auth-session validity has passed', async () => {
    const email = 'expired@example.com';
    await signUp(email);
    const first = await initiate(email);
    clock += (config.client.authSessionValidityMinutes * 60 + 1) * 1000;
    try {
      const err = await rejection(answer(email, first.Session, mailsTo(email)[0]!.code!));
      expect(err).toEqual({ name: 'NotAuthorizedException', message: 'Invalid session for the user, session is expired.' });
    } finally {
      clock = 0;
    }
  });

  it('treats an unknown user like a known one, but sends no email and never signs in', async () => {
    const known = 'known@example.com';
    await signUp(known);
    const knownChallenge = await initiate(known);
    const ghost = 'nobody@example.com';
    const ghostChallenge = await initiate(ghost);
    expect(ghostChallenge.ChallengeName).toBe(knownChallenge.ChallengeName);
    expect(Object.keys(ghostChallenge.ChallengeParameters ?? {}).sort()).toEqual(
      Object.keys(knownChallenge.ChallengeParameters ?? {}).sort(),
    );
    expect(ghostChallenge.ChallengeParameters?.USERNAME).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(ghostChallenge.ChallengeParameters?.maskedEmail).toBe('n***@e***.com');
    // The same stand-in username every time, as a real account's would be.
    expect((await initiate(ghost)).ChallengeParameters?.USERNAME).toBe(ghostChallenge.ChallengeParameters?.USERNAME);
    expect(mailsTo(ghost)).toHaveLength(0);

    const second = await answer(ghost, ghostChallenge.Session, '123456');
    expect(second.ChallengeName).toBe('CUSTOM_CHALLENGE');
    const third = await answer(ghost, second.Session, '654321');
    expect(await rejection(answer(ghost, third.Session, '000000'))).toEqual({
      name: 'NotAuthorizedException',
      message: 'Incorrect username or password.',
    });
  });

  it('refreshes tokens, and revoking the refresh token ends the refresh and the access token', async () => {
    const email = 'refresh@example.com';
    await signUp(email);
    const challenge = await initiate(email);
    const tokens = (await answer(email, challenge.Session, mailsTo(email)[0]!.code!)).AuthenticationResult!;
    const refreshed = await cognito.send(
      new InitiateAuthCommand({
        ClientId: server.clientId,
        AuthFlow: 'REFRESH_TOKEN_AUTH',
        AuthParameters: { REFRESH_TOKEN: tokens.RefreshToken! },
      }),
    );
    expect(refreshed.AuthenticationResult?.RefreshToken).toBeUndefined();
    const again = await verify(refreshed.AuthenticationResult!.IdToken!, refreshed.AuthenticationResult!.AccessToken!);
    expect(again.id.email).toBe(email);

    await cognito.send(new RevokeTokenCommand({ ClientId: server.clientId, Token: tokens.RefreshToken! }));
    const refreshAfter = await rejection(
      cognito.send(
        new InitiateAuthCommand({
          ClientId: server.clientId,
          AuthFlow: 'REFRESH_TOKEN_AUTH',
          AuthParameters: { REFRESH_TOKEN: tokens.RefreshToken! },
        }),
      ),
    );
    expect(refreshAfter).toEqual({ name: 'NotAuthorizedException', message: 'Refresh Token has been revoked' });
    expect(await rejection(cognito.send(new GetUserCommand({ AccessToken: refreshed.AuthenticationResult!.AccessToken })))).toEqual({
      name: 'NotAuthorizedException',
      message: 'Access Token has been revoked',
    });
  });

  it('signs a user out everywhere with GlobalSignOut', async () => {
    const email = 'global@example.com';
    await signUp(email);
    const c = await initiate(email);
    const tokens = (await answer(email, c.Session, mailsTo(email)[0]!.code!)).AuthenticationResult!;
    await cognito.send(new GlobalSignOutCommand({ AccessToken: tokens.AccessToken }));
    expect((await rejection(cognito.send(new GetUserCommand({ AccessToken: tokens.AccessToken })))).name).toBe('NotAuthorizedException');
  });

  it('rejects a second sign-up and answers admin and describe calls like Cognito', async () => {
    expect((await rejection(signUp('ada@example.com'))).name).toBe('UsernameExistsException');
    expect(
      (await rejection(cognito.send(new SignUpCommand({ ClientId: server.clientId, Username: 'nopw@example.com', UserAttributes: [] }))))
        .name,
    ).toBe('InvalidParameterException');
    const created = await cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: server.userPoolId,
        Username: 'admin@example.com',
        MessageAction: 'SUPPRESS',
        UserAttributes: [{ Name: 'email', Value: 'admin@example.com' }],
      }),
    );
    expect(created.User?.UserStatus).toBe('FORCE_CHANGE_PASSWORD');
    const got = await cognito.send(new AdminGetUserCommand({ UserPoolId: server.userPoolId, Username: 'ADMIN@example.com' }));
    expect(got.Username).toBe(created.User?.Username);
    const listed = await cognito.send(new ListUsersCommand({ UserPoolId: server.userPoolId, Filter: 'email = "admin@example.com"' }));
    expect(listed.Users?.map((u) => u.Username)).toEqual([created.User?.Username]);
    expect(
      (await rejection(cognito.send(new AdminGetUserCommand({ UserPoolId: server.userPoolId, Username: 'none@example.com' })))).name,
    ).toBe('UserNotFoundException');
    const client = await cognito.send(new DescribeUserPoolClientCommand({ UserPoolId: server.userPoolId, ClientId: server.clientId }));
    expect(client.UserPoolClient).toMatchObject({
      ExplicitAuthFlows: ['ALLOW_CUSTOM_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      PreventUserExistenceErrors: 'ENABLED',
      AuthSessionValidity: 3,
    });
    expect(
      (
        await rejection(
          cognito.send(new InitiateAuthCommand({ ClientId: 'nope', AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: 'a@b.c' } })),
        )
      ).name,
    ).toBe('ResourceNotFoundException');
  });

  it("answers errors in Cognito's wire shape and CORS preflights for browsers", async () => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.GetUser' },
      body: JSON.stringify({ AccessToken: 'garbage' }),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toMatch(/^NotAuthorizedException/);
    expect(await res.json()).toEqual({ __type: 'NotAuthorizedException', message: 'Invalid Access Token' });

    const pre = await fetch(server.url, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-amz-target,x-amz-user-agent,cache-control',
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    for (const h of ['x-amz-target', 'x-amz-user-agent', 'content-type', 'cache-control', 'amz-sdk-invocation-id', 'amz-sdk-request']) {
      expect(pre.headers.get('access-control-allow-headers')).toContain(h);
    }
    expect(pre.headers.get('access-control-expose-headers')).toContain('x-amzn-errortype');
    const oidc = (await (await fetch(`${server.url}/${server.userPoolId}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(oidc.issuer).toBe(`${server.url}/${server.userPoolId}`);
  });

  it('keeps users, sessions and signing keys across a restart', async () => {
    const email = 'restart@example.com';
    await signUp(email);
    const challenge = await initiate(email);
    const before = { url: server.url, pool: server.userPoolId, client: server.clientId };
    await server.close();
    await start();
    expect([server.userPoolId, server.clientId]).toEqual([before.pool, before.client]);
    const tokens = (await answer(email, challenge.Session, mailsTo(email)[0]!.code!)).AuthenticationResult!;
    expect(tokens.AccessToken).toBeTruthy();
    expect(server.userPoolId).toMatch(/^[\w-]+_[0-9a-zA-Z]+$/);
  });

  it('runs exactly the bundles that package/up deploy', async () => {
    const built = await buildHandlers();
    const shas = (await (await fetch(`${server.url}/_sandbox/handlers`)).json()) as Record<string, string>;
    expect(shas).toEqual(Object.fromEntries(Object.entries(built).map(([k, b]) => [k, b.codeSha256])));
  });
});

describe('sandbox trigger limits', () => {
  it("fails the call with Cognito's error when a trigger overruns its time limit", async () => {
    const slowDir = await mkdtemp(join(tmpdir(), 'otp-sandbox-slow-'));
    const built = await buildHandlers();
    const slow = { code: 'exports.handler = () => new Promise((r) => setTimeout(r, 60000));', codeSha256: 'slow' };
    const s = await startSandboxServer({
      configDir: slowDir,
      config,
      port: 0,
      handlers: { ...built, 'define-auth-challenge': slow },
      triggerTimeoutMs: 300,
    });
    const c = new CognitoIdentityProviderClient({
      region: 'eu-west-1',
      endpoint: s.url,
      credentials: { accessKeyId: 't', secretAccessKey: 't' },
      maxAttempts: 1,
    });
    try {
      const err = await rejection(
        c.send(new InitiateAuthCommand({ ClientId: s.clientId, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: 'a@example.com' } })),
      );
      expect(err.name).toBe('UnexpectedLambdaException');
      expect(err.message).toContain('DefineAuthChallenge');
    } finally {
      c.destroy();
      await s.close();
      await rm(slowDir, { recursive: true, force: true });
    }
  });

  it('reports a thrown trigger error as UserLambdaValidationException (PreSignUp domain list)', async () => {
    const d = await mkdtemp(join(tmpdir(), 'otp-sandbox-domains-'));
    const strict = parseConfig({ email: { from: 'noreply@example.com' }, signUp: { allowedDomains: ['example.com'] } });
    const s = await startSandboxServer({ configDir: d, config: strict, port: 0 });
    const c = new CognitoIdentityProviderClient({
      region: 'us-east-1',
      endpoint: s.url,
      credentials: { accessKeyId: 't', secretAccessKey: 't' },
      maxAttempts: 1,
    });
    try {
      const err = await rejection(
        c.send(
          new SignUpCommand({
            ClientId: s.clientId,
            Username: 'x@other.org',
            Password: 'Aa1!aaaaaaaa',
            UserAttributes: [{ Name: 'email', Value: 'x@other.org' }],
          }),
        ),
      );
      expect(err).toEqual({
        name: 'UserLambdaValidationException',
        message: 'PreSignUp failed with error Sign-up is not open to addresses at other.org..',
      });
    } finally {
      c.destroy();
      await s.close();
      await rm(d, { recursive: true, force: true });
    }
  });
});
