import { CreateRoleCommand, IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAwsProxy } from '../support/aws-proxy.js';
import { workerMoto, type Moto } from '../support/moto.js';

// The files of a vitest worker share its moto server (vitest.config.ts, isolate: false): what one
// file leaves there must not reach the next one.
let moto: Moto;
const clients: IAMClient[] = [];
const iam = (endpoint: string) => {
  const client = new IAMClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  clients.push(client);
  return client;
};
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const roleNames = async () => ((await iam(moto.url).send(new ListRolesCommand({}))).Roles ?? []).map((r) => r.RoleName);

beforeAll(async () => {
  moto = await workerMoto();
});
afterAll(() => {
  for (const c of clients) c.destroy();
});

describe("the worker's moto server", () => {
  it('comes to the next taker empty and with IAM enforcement off, whatever the last one left', async () => {
    await iam(moto.url).send(new CreateRoleCommand({ RoleName: 'left-behind', AssumeRolePolicyDocument: TRUST }));
    await moto.enforceIam(true);
    try {
      await expect(roleNames()).rejects.toMatchObject({ name: 'InvalidClientTokenId' });

      const next = await workerMoto();
      expect(next.url).toBe(moto.url);
      expect(await roleNames()).toEqual([]);
    } finally {
      await moto.enforceIam(false);
    }
  });

  it("a call a file's proxy still held when the file closed it never reaches moto", async () => {
    const proxy = await startAwsProxy(moto.url);
    proxy.addFault({ match: 'iam:CreateRole', fault: { kind: 'delay', ms: 1 }, times: 1 });
    let closing: Promise<void> | undefined;
    proxy.onCall = () => {
      closing ??= proxy.close();
    };
    const late = iam(proxy.url).send(new CreateRoleCommand({ RoleName: 'sent-late', AssumeRolePolicyDocument: TRUST }));
    await expect(late).rejects.toThrow();
    await closing;
    expect(proxy.calls.map((c) => c.action)).toEqual(['CreateRole']);
    expect(await roleNames()).toEqual([]);
  });
});
