import type { AdminUpdateUserAttributesCommand } from '@aws-sdk/client-cognito-identity-provider';
import { describe, expect, it } from 'vitest';
import { createHandler } from '../../../handlers/post-authentication.js';
import { captureLogs } from './support.js';

// Event shape: Cognito developer guide, "Post authentication Lambda trigger".
function event(attributes: Record<string, string>) {
  return {
    version: '1',
    region: 'us-east-1',
    userPoolId: 'us-east-1_AbCdEfGhI',
    userName: '7f1c5a3e-0000-4000-8000-000000000001',
    callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: '1example23456789' },
    triggerSource: 'PostAuthentication_Authentication',
    request: { userAttributes: { sub: '7f1c5a3e-0000-4000-8000-000000000001', ...attributes }, newDeviceUsed: false },
    response: {},
  };
}

function fakeCognito(fail?: Error) {
  const calls: AdminUpdateUserAttributesCommand['input'][] = [];
  return {
    calls,
    async send(command: AdminUpdateUserAttributesCommand) {
      calls.push(command.input);
      if (fail) throw fail;
      return {};
    },
  };
}

describe('post authentication: email_verified after the first correct code', () => {
  it('marks an unverified address verified, in this pool, for this user', async () => {
    const cognito = fakeCognito();
    const logs = captureLogs();
    const post = createHandler({ cognito, env: { LOG_LEVEL: 'debug' }, log: logs.sink });
    const out = await post(event({ email: 'Jane@example.com', email_verified: 'false' }));
    expect(out.response).toEqual({});
    expect(cognito.calls).toEqual([
      {
        UserPoolId: 'us-east-1_AbCdEfGhI',
        Username: '7f1c5a3e-0000-4000-8000-000000000001',
        UserAttributes: [{ Name: 'email_verified', Value: 'true' }],
      },
    ]);
    expect(logs.lines.join('\n')).not.toContain('Jane@example.com');
  });

  it('makes no call when the address is already verified, or the event is malformed', async () => {
    const cognito = fakeCognito();
    const post = createHandler({ cognito, env: {}, log: () => undefined });
    await post(event({ email: 'jane@example.com', email_verified: 'true' }));
    await post({ request: { userAttributes: { email: 'jane@example.com' } } });
    await post(null);
    expect(cognito.calls).toEqual([]);
  });

  it('a failed call is logged and does not fail the sign-in', async () => {
    const cognito = fakeCognito(
      Object.assign(new Error('User: x is not authorized for jane@example.com'), { name: 'AccessDeniedException' }),
    );
    const logs = captureLogs();
    const post = createHandler({ cognito, env: {}, log: logs.sink });
    await expect(post(event({ email: 'jane@example.com' }))).resolves.toMatchObject({ response: {} });
    expect(logs.records().at(-1)).toMatchObject({ level: 'error', errorName: 'AccessDeniedException' });
    expect(logs.lines.join('\n')).not.toContain('jane@example.com');
  });

  it('a hung call ends within the budget', async () => {
    const post = createHandler({ cognito: { send: () => new Promise(() => undefined) }, env: {}, log: () => undefined, budgetMs: 20 });
    await expect(post(event({ email: 'jane@example.com' }))).resolves.toMatchObject({ response: {} });
  });
});
