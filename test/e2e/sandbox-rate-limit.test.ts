import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { startSandboxServer, type SandboxServer } from '../../src/sandbox/sandbox-server.js';
import type { StoredMail } from '../../src/sandbox/sandbox-store.js';
import { rejection as failure } from '../support/rejection.js';

// The sandbox runs the same handlers with the same limits as AWS would (config → environment).
const config = parseConfig({
  region: 'eu-west-1',
  email: { from: 'noreply@example.com' },
  otp: { maxAttempts: 3 },
  rateLimit: { codesPerWindow: 3, windowMinutes: 15, maxFailedAnswers: 4, lockoutMinutes: 15 },
});

let dir: string;
let server: SandboxServer;
let cognito: CognitoIdentityProviderClient;
const mails: StoredMail[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'otp-sandbox-limits-'));
  server = await startSandboxServer({ configDir: dir, config, port: 0, onMail: (m) => mails.push(m), now: () => Date.now() });
  cognito = new CognitoIdentityProviderClient({
    region: 'eu-west-1',
    endpoint: server.url,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  await server?.close();
  cognito?.destroy();
  await rm(dir, { recursive: true, force: true });
});

const initiate = (email: string) =>
  cognito.send(new InitiateAuthCommand({ ClientId: server.clientId, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: email } }));
const answer = (email: string, session: string | undefined, code: string) =>
  cognito.send(
    new RespondToAuthChallengeCommand({
      ClientId: server.clientId,
      ChallengeName: 'CUSTOM_CHALLENGE',
      Session: session,
      ChallengeResponses: { USERNAME: email, ANSWER: code },
    }),
  );
const signUp = (email: string) =>
  cognito.send(
    new SignUpCommand({
      ClientId: server.clientId,
      Username: email,
      Password: 'Aa1!aaaaaaaa',
      UserAttributes: [{ Name: 'email', Value: email }],
    }),
  );
const latestCode = (email: string) => mails.filter((m) => m.to === email).at(-1)?.code ?? '';
const wrong = (code: string) => String((Number(code) + 1) % 10 ** code.length).padStart(code.length, '0');

describe('sandbox enforces the rate limits', () => {
  it('caps codes per address per window, for known and unknown addresses alike', async () => {
    await signUp('busy@example.com');
    for (const email of ['busy@example.com', 'ghost@example.com']) {
      for (let i = 0; i < 3; i++) await initiate(email);
      const err = await failure(initiate(email));
      expect(err.name).toBe('UserLambdaValidationException');
      expect(err.message).toContain('Too many sign-in codes requested for this address');
    }
    expect(mails.filter((m) => m.to === 'busy@example.com')).toHaveLength(3);
    expect(mails.filter((m) => m.to === 'ghost@example.com')).toHaveLength(0);
  });

  // When windows and lockouts end is tested with a controlled clock in test/integration/rate-limit.test.ts.
  it('locks an address after consecutive wrong codes across sign-ins, refusing even the right code', async () => {
    const email = 'guesser@example.com';
    await signUp(email);
    // Session 1: three wrong codes end it (Cognito's per-session limit).
    let started = await initiate(email);
    let session = started.Session;
    for (let i = 0; i < 3; i++) {
      const wrongAnswer = answer(email, session, wrong(latestCode(email)));
      if (i < 2) session = (await wrongAnswer).Session;
      else expect((await failure(wrongAnswer)).name).toBe('NotAuthorizedException');
    }
    // Session 2: the fourth wrong code in a row locks the address; even the right code is refused now.
    started = await initiate(email);
    const afterFourth = await answer(email, started.Session, wrong(latestCode(email)));
    const rightButLocked = await answer(email, afterFourth.Session, latestCode(email));
    expect(rightButLocked.AuthenticationResult).toBeUndefined();
    expect(rightButLocked.ChallengeName).toBe('CUSTOM_CHALLENGE');
    const locked = await failure(initiate(email));
    expect(locked.name).toBe('UserLambdaValidationException');
    expect(locked.message).toBe('CreateAuthChallenge failed with error Too many wrong codes for this address. Try again in 15 minutes.');
  });
});
