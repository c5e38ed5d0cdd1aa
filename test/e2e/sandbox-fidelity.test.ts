import { chmod, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CognitoIdentityProviderClient,
  DeleteUserCommand,
  GetTokensFromRefreshTokenCommand,
  GetUserCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  RevokeTokenCommand,
  SignUpCommand,
  UpdateUserAttributesCommand,
  VerifyUserAttributeCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { buildHandlers } from '../../src/package/build-handlers.js';
import { startSandboxServer, type SandboxServer } from '../../src/sandbox/sandbox-server.js';
import type { StoredMail } from '../../src/sandbox/sandbox-store.js';
import { rejection } from '../support/rejection.js';

/**
 * Where the sandbox could let an app pass locally and fail on AWS: refresh through
 * GetTokensFromRefreshToken, the password policy, attributes a client may not write, the issuer
 * of the address the client used, request limits from the API model, and what a web page from
 * elsewhere may reach.
 */
const config = parseConfig({ email: { from: 'noreply@example.com' } });
const STRONG = 'Aa1!aaaaaaaa';

let dir: string;
let server: SandboxServer;
let clock = 0;
const mails: StoredMail[] = [];
let cognito: CognitoIdentityProviderClient;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'otp-sandbox-fidelity-'));
  server = await startSandboxServer({ configDir: dir, config, port: 0, onMail: (m) => mails.push(m), now: () => Date.now() + clock });
  cognito = client(server.url);
});

afterAll(async () => {
  cognito?.destroy();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

function client(endpoint: string) {
  return new CognitoIdentityProviderClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 't', secretAccessKey: 't' },
    maxAttempts: 1,
  });
}

const signUp = (email: string, password = STRONG, extra: Array<{ Name: string; Value: string }> = [], c = cognito) =>
  c.send(
    new SignUpCommand({
      ClientId: server.clientId,
      Username: email,
      Password: password,
      UserAttributes: [{ Name: 'email', Value: email }, ...extra],
    }),
  );

const lastCode = (email: string) => mails.filter((m) => m.to === email).at(-1)!.code!;

async function signIn(email: string, c = cognito) {
  const challenge = await c.send(
    new InitiateAuthCommand({ ClientId: server.clientId, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: email } }),
  );
  const done = await c.send(
    new RespondToAuthChallengeCommand({
      ClientId: server.clientId,
      ChallengeName: 'CUSTOM_CHALLENGE',
      Session: challenge.Session,
      ChallengeResponses: { USERNAME: email, ANSWER: lastCode(email) },
    }),
  );
  return done.AuthenticationResult!;
}

const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;

/** A raw HTTP request, so headers a browser sends (Origin, a foreign Host) can be set exactly. */
function raw(options: {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, method: options.method ?? 'GET', path: options.path ?? '/', headers: options.headers ?? {} },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const cognitoCall = (op: string, input: unknown, headers: Record<string, string> = {}) =>
  raw({
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${op}`, ...headers },
    body: JSON.stringify(input),
  });

describe('token refresh as Amplify v6 does it', () => {
  it('GetTokensFromRefreshToken issues new ID and access tokens, keeps the sign-in, and no new refresh token without rotation', async () => {
    const email = 'refresh-op@example.com';
    await signUp(email);
    const tokens = await signIn(email);
    const out = await cognito.send(new GetTokensFromRefreshTokenCommand({ ClientId: server.clientId, RefreshToken: tokens.RefreshToken! }));
    const result = out.AuthenticationResult!;
    expect(result.RefreshToken).toBeUndefined();
    expect(result.ExpiresIn).toBe(3600);
    const before = claims(tokens.IdToken!);
    const after = claims(result.IdToken!);
    expect(after).toMatchObject({
      email,
      token_use: 'id',
      auth_time: before.auth_time,
      origin_jti: before.origin_jti,
      aud: server.clientId,
    });
    expect(after.jti).not.toBe(before.jti);
    expect((await cognito.send(new GetUserCommand({ AccessToken: result.AccessToken }))).UserAttributes).toContainEqual({
      Name: 'email',
      Value: email,
    });
  });

  it('refuses a revoked, an unknown, a malformed and an expired refresh token with Cognito errors', async () => {
    const email = 'refresh-refused@example.com';
    await signUp(email);
    const revoked = await signIn(email);
    await cognito.send(new RevokeTokenCommand({ ClientId: server.clientId, Token: revoked.RefreshToken! }));
    const refresh = (token: string) =>
      rejection(cognito.send(new GetTokensFromRefreshTokenCommand({ ClientId: server.clientId, RefreshToken: token })));
    expect(await refresh(revoked.RefreshToken!)).toEqual({ name: 'NotAuthorizedException', message: 'Refresh Token has been revoked' });
    expect(await refresh('a'.repeat(128))).toEqual({ name: 'NotAuthorizedException', message: 'Invalid Refresh Token' });
    expect((await refresh('not a token!')).name).toBe('InvalidParameterException');
    const live = await signIn(email);
    clock += 31 * 86_400_000;
    try {
      expect(await refresh(live.RefreshToken!)).toEqual({ name: 'NotAuthorizedException', message: 'Refresh Token has expired' });
    } finally {
      clock -= 31 * 86_400_000;
    }
  });
});

describe('sign-up rules of the pool up creates', () => {
  it('applies Cognito default password policy with its wording', async () => {
    const weak = async (password: string) => rejection(signUp(`weak-${password.length}-${Math.random()}@example.com`, password));
    expect(await weak('x')).toEqual({
      name: 'InvalidPasswordException',
      message: 'Password did not conform with policy: Password not long enough',
    });
    expect(await weak('password')).toEqual({
      name: 'InvalidPasswordException',
      message: 'Password did not conform with policy: Password must have uppercase characters',
    });
    expect(await weak('Password')).toEqual({
      name: 'InvalidPasswordException',
      message: 'Password did not conform with policy: Password must have numeric characters',
    });
    expect(await weak('Password1')).toEqual({
      name: 'InvalidPasswordException',
      message: 'Password did not conform with policy: Password must have symbol characters',
    });
    expect((await signUp('strong@example.com', 'Password1!')).UserConfirmed).toBe(true);
  });

  it('refuses attributes a client may not write, so none reaches a signed ID token', async () => {
    const unauthorized = { name: 'NotAuthorizedException', message: 'A client attempted to write unauthorized attribute' };
    expect(await rejection(signUp('v@example.com', STRONG, [{ Name: 'email_verified', Value: 'true' }]))).toEqual(unauthorized);
    expect(await rejection(signUp('g@example.com', STRONG, [{ Name: 'cognito:groups', Value: 'admin' }]))).toEqual(unauthorized);
    expect(await rejection(signUp('c@example.com', STRONG, [{ Name: 'custom:role', Value: 'superuser' }]))).toEqual({
      name: 'InvalidParameterException',
      message: 'Attributes did not conform to the schema: custom:role: Attribute does not exist in the schema.\n',
    });
    await signUp('named@example.com', STRONG, [{ Name: 'name', Value: 'Ada' }]);
    const id = claims((await signIn('named@example.com')).IdToken!);
    // email_verified is true only because the code was right (the post-authentication trigger),
    // never because a client said so at sign-up.
    expect(id).toMatchObject({ name: 'Ada', email_verified: true });
    expect(Object.keys(id).filter((k) => k.startsWith('custom:') || k === 'cognito:groups')).toEqual([]);
  });
});

describe('user operations Amplify v6 calls', () => {
  it('updates attributes, verifies a new email by the emailed code, and deletes the user', async () => {
    const email = 'attrs@example.com';
    await signUp(email);
    const tokens = await signIn(email);
    const update = await cognito.send(
      new UpdateUserAttributesCommand({ AccessToken: tokens.AccessToken, UserAttributes: [{ Name: 'name', Value: 'Grace' }] }),
    );
    expect(update.CodeDeliveryDetailsList).toEqual([]);
    expect(
      await rejection(
        cognito.send(
          new UpdateUserAttributesCommand({ AccessToken: tokens.AccessToken, UserAttributes: [{ Name: 'email_verified', Value: 'true' }] }),
        ),
      ),
    ).toEqual({
      name: 'NotAuthorizedException',
      message: 'A client attempted to write unauthorized attribute',
    });
    const moved = 'attrs-new@example.com';
    const changed = await cognito.send(
      new UpdateUserAttributesCommand({ AccessToken: tokens.AccessToken, UserAttributes: [{ Name: 'email', Value: moved }] }),
    );
    expect(changed.CodeDeliveryDetailsList).toEqual([{ AttributeName: 'email', DeliveryMedium: 'EMAIL', Destination: 'a***@e***' }]);
    const attrs = async () =>
      Object.fromEntries(
        (await cognito.send(new GetUserCommand({ AccessToken: tokens.AccessToken }))).UserAttributes!.map((a) => [a.Name, a.Value]),
      );
    expect(await attrs()).toMatchObject({ name: 'Grace', email: moved, email_verified: 'false' });
    expect(
      (
        await rejection(
          cognito.send(new VerifyUserAttributeCommand({ AccessToken: tokens.AccessToken, AttributeName: 'email', Code: '000000x' })),
        )
      ).name,
    ).toBe('CodeMismatchException');
    await cognito.send(new VerifyUserAttributeCommand({ AccessToken: tokens.AccessToken, AttributeName: 'email', Code: lastCode(moved) }));
    expect(await attrs()).toMatchObject({ email: moved, email_verified: 'true' });

    await cognito.send(new DeleteUserCommand({ AccessToken: tokens.AccessToken }));
    expect((await rejection(cognito.send(new GetUserCommand({ AccessToken: tokens.AccessToken })))).name).toBe('NotAuthorizedException');
    expect(
      (
        await rejection(
          cognito.send(new GetTokensFromRefreshTokenCommand({ ClientId: server.clientId, RefreshToken: tokens.RefreshToken! })),
        )
      ).name,
    ).toBe('NotAuthorizedException');
  });
});

describe('the issuer follows the address the client used', () => {
  it('names localhost in tokens and discovery when called as localhost, and accepts both names', async () => {
    const port = new URL(server.url).port;
    const local = client(`http://localhost:${port}`);
    try {
      const email = 'localhost@example.com';
      await signUp(email, STRONG, [], local);
      const tokens = await signIn(email, local);
      expect(claims(tokens.IdToken!).iss).toBe(`http://localhost:${port}/${server.userPoolId}`);
      const discovery = (await (await fetch(`http://localhost:${port}/${server.userPoolId}/.well-known/openid-configuration`)).json()) as {
        issuer: string;
      };
      expect(discovery.issuer).toBe(`http://localhost:${port}/${server.userPoolId}`);
      // One pool, several names for it: a token from either works at either.
      expect((await cognito.send(new GetUserCommand({ AccessToken: tokens.AccessToken }))).Username).toBeDefined();
    } finally {
      local.destroy();
    }
  });
});

describe('request limits from the API model', () => {
  it('answers a body over 1 MiB with an error response instead of dropping the connection', async () => {
    const res = await cognitoCall('InitiateAuth', { ClientId: server.clientId, pad: 'x'.repeat((1 << 20) + 100) });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ __type: 'InvalidParameterException' });
  });

  it('validates Session length and token pattern as InvalidParameterException', async () => {
    const short = await cognitoCall('RespondToAuthChallenge', {
      ClientId: server.clientId,
      ChallengeName: 'CUSTOM_CHALLENGE',
      Session: 'short',
      ChallengeResponses: { USERNAME: 'a@b.co', ANSWER: '1' },
    });
    expect(JSON.parse(short.body)).toEqual({
      __type: 'InvalidParameterException',
      message:
        "1 validation error detected: Value at 'session' failed to satisfy constraint: Member must have length greater than or equal to 20",
    });
    const long = await cognitoCall('RespondToAuthChallenge', {
      ClientId: server.clientId,
      ChallengeName: 'CUSTOM_CHALLENGE',
      Session: 's'.repeat(2049),
      ChallengeResponses: { USERNAME: 'a@b.co', ANSWER: '1' },
    });
    expect(JSON.parse(long.body).__type).toBe('InvalidParameterException');
    const badToken = await cognitoCall('GetUser', { AccessToken: 'abc def' });
    expect(JSON.parse(badToken.body)).toEqual({
      __type: 'InvalidParameterException',
      message:
        "1 validation error detected: Value at 'accessToken' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9-_=.]+",
    });
  });

  it('does not spend the session on a malformed answer (missing ANSWER), so the right code still works', async () => {
    const email = 'malformed@example.com';
    await signUp(email);
    const challenge = await cognito.send(
      new InitiateAuthCommand({ ClientId: server.clientId, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: email } }),
    );
    const respond = (responses: Record<string, string>) =>
      cognito.send(
        new RespondToAuthChallengeCommand({
          ClientId: server.clientId,
          ChallengeName: 'CUSTOM_CHALLENGE',
          Session: challenge.Session,
          ChallengeResponses: responses,
        }),
      );
    expect(await rejection(respond({ USERNAME: email }))).toEqual({
      name: 'InvalidParameterException',
      message: 'Missing required parameter ANSWER',
    });
    const done = await respond({ USERNAME: email, ANSWER: lastCode(email) });
    expect(done.AuthenticationResult?.IdToken).toBeDefined();
  });
});

describe('what a web page from elsewhere can reach', () => {
  const evil = { origin: 'https://evil.example' };
  const local = { origin: 'http://localhost:5173' };

  it('answers Cognito user operations to any origin, as Cognito does', async () => {
    const res = await cognitoCall(
      'InitiateAuth',
      { ClientId: server.clientId, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: 'nobody@example.com' } },
      evil,
    );
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });

  it('keeps the mailbox and info to pages on this machine', async () => {
    const elsewhere = await raw({ path: '/_sandbox/mailbox', headers: evil });
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await raw({
      method: 'OPTIONS',
      path: '/_sandbox/mailbox',
      headers: { ...evil, 'access-control-request-method': 'GET' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const mine = await raw({ path: '/_sandbox/mailbox', headers: local });
    expect(mine.status).toBe(200);
    expect(mine.headers['access-control-allow-origin']).toBe(local.origin);
    expect((await raw({ path: '/_sandbox/info', headers: evil })).status).toBe(403);
  });

  it('refuses admin operations and the handlers’ DynamoDB to a page from elsewhere, and admin operations without a signature', async () => {
    const signed = {
      authorization: 'AWS4-HMAC-SHA256 Credential=t/20260101/us-east-1/cognito-idp/aws4_request, SignedHeaders=host, Signature=00',
    };
    const fromEvil = await cognitoCall('ListUsers', { UserPoolId: server.userPoolId }, { ...evil, ...signed });
    expect(fromEvil.status).toBe(403);
    expect(JSON.parse(fromEvil.body).__type).toBe('AccessDeniedException');
    const unsigned = await cognitoCall('ListUsers', { UserPoolId: server.userPoolId });
    expect(JSON.parse(unsigned.body)).toEqual({ __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' });
    expect((await cognitoCall('ListUsers', { UserPoolId: server.userPoolId }, signed)).status).toBe(200);
    const dynamo = await raw({
      method: 'POST',
      headers: { ...evil, 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.DeleteItem' },
      body: JSON.stringify({ TableName: 't', Key: { pk: { S: 'x' } } }),
    });
    expect(dynamo.status).toBe(403);
  });

  it('answers only for its own host names (no DNS rebinding)', async () => {
    const rebound = await raw({ path: '/_sandbox/mailbox', headers: { host: `attacker.example:${new URL(server.url).port}` } });
    expect(rebound.status).toBe(421);
    expect(rebound.body).not.toContain('"mails"');
  });
});

describe('the signing key file', () => {
  it('is tightened to 0600 when found readable by others', async () => {
    const d = await mkdtemp(join(tmpdir(), 'otp-sandbox-key-'));
    try {
      await (await startSandboxServer({ configDir: d, config, port: 0 })).close();
      const sandboxDir = join(d, '.otp-setup', 'sandbox');
      const [stack] = await readdir(sandboxDir);
      const key = join(sandboxDir, stack!, 'signing-key.json');
      await chmod(key, 0o644);
      await (await startSandboxServer({ configDir: d, config, port: 0 })).close();
      expect((await stat(key)).mode & 0o777).toBe(0o600);
    } finally {
      await rm(d, { recursive: true, force: true });
    }
  });
});

describe('triggers beyond the four `up` deploys today', () => {
  it('runs a PostAuthentication handler before the tokens, which carry what it changed (AdminUpdateUserAttributes)', async () => {
    const d = await mkdtemp(join(tmpdir(), 'otp-sandbox-postauth-'));
    const postAuth = `
const { CognitoIdentityProviderClient, AdminUpdateUserAttributesCommand } = require('@aws-sdk/client-cognito-identity-provider');
const cognito = new CognitoIdentityProviderClient({});
exports.handler = async (event) => {
  await cognito.send(new AdminUpdateUserAttributesCommand({ UserPoolId: event.userPoolId, Username: event.userName, UserAttributes: [{ Name: 'email_verified', Value: 'true' }] }));
  return event;
};`;
    const handlers = { ...(await buildHandlers()), 'post-authentication': { code: postAuth, codeSha256: 'test' } } as Parameters<
      typeof startSandboxServer
    >[0]['handlers'];
    const own: StoredMail[] = [];
    const s = await startSandboxServer({ configDir: d, config, port: 0, handlers, onMail: (m) => own.push(m) });
    const c = client(s.url);
    try {
      const email = 'postauth@example.com';
      await c.send(
        new SignUpCommand({ ClientId: s.clientId, Username: email, Password: STRONG, UserAttributes: [{ Name: 'email', Value: email }] }),
      );
      const challenge = await c.send(
        new InitiateAuthCommand({ ClientId: s.clientId, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: email } }),
      );
      const done = await c.send(
        new RespondToAuthChallengeCommand({
          ClientId: s.clientId,
          ChallengeName: 'CUSTOM_CHALLENGE',
          Session: challenge.Session,
          ChallengeResponses: { USERNAME: email, ANSWER: own.at(-1)!.code! },
        }),
      );
      expect(claims(done.AuthenticationResult!.IdToken!)).toMatchObject({ email, email_verified: true });
    } finally {
      c.destroy();
      await s.close();
      await rm(d, { recursive: true, force: true });
    }
  });
});
