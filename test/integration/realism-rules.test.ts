import {
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DeleteUserPoolCommand,
  UpdateUserPoolClientCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  AssociateWebACLCommand,
  CreateWebACLCommand,
  DeleteWebACLCommand,
  DisassociateWebACLCommand,
  GetWebACLCommand,
  GetWebACLForResourceCommand,
  WAFV2Client,
} from '@aws-sdk/client-wafv2';
import { describe, expect, it } from 'vitest';
import { useStackFixture } from '../support/stack-fixture.js';

// The realism rules of test/support/realism for the app client's write attributes and for WAF,
// met through the recording proxy the way the CLI meets them: each refuses what AWS refuses.

const f = useStackFixture();
const viaProxy = () => ({
  region: 'us-east-1',
  endpoint: f.proxy.url,
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
});

describe('realism: an app client must be able to write the attributes the pool requires', () => {
  it('refuses WriteAttributes without a required attribute on create and update; accepts them with it, or with none given', async () => {
    const cognito = new CognitoIdentityProviderClient(viaProxy());
    const { UserPool } = await cognito.send(
      new CreateUserPoolCommand({
        PoolName: 'p',
        Schema: [{ Name: 'email', AttributeDataType: 'String', Mutable: true, Required: true }],
      }),
    );
    const UserPoolId = UserPool!.Id!;
    await expect(
      cognito.send(new CreateUserPoolClientCommand({ UserPoolId, ClientName: 'c', WriteAttributes: ['name', 'locale'] })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException', message: 'Invalid write attributes specified while creating a client' });
    const { UserPoolClient } = await cognito.send(
      new CreateUserPoolClientCommand({ UserPoolId, ClientName: 'c', WriteAttributes: ['email', 'name'] }),
    );
    await expect(
      cognito.send(new UpdateUserPoolClientCommand({ UserPoolId, ClientId: UserPoolClient!.ClientId!, WriteAttributes: ['name'] })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException', message: 'Invalid write attributes specified while updating a client' });
    await cognito.send(new CreateUserPoolClientCommand({ UserPoolId, ClientName: 'all' }));
    expect(f.proxy.realism!.fired['cognito-client-write-attributes']).toBe(2);
    cognito.destroy();
  });
});

describe('realism: WAF web ACLs on a user pool', () => {
  async function setUp() {
    const cognito = new CognitoIdentityProviderClient(viaProxy());
    const waf = new WAFV2Client(viaProxy());
    const pool = (await cognito.send(new CreateUserPoolCommand({ PoolName: 'p' }))).UserPool!;
    const acl = (
      await waf.send(
        new CreateWebACLCommand({
          Name: 'acl',
          Scope: 'REGIONAL',
          DefaultAction: { Allow: {} },
          VisibilityConfig: { SampledRequestsEnabled: false, CloudWatchMetricsEnabled: false, MetricName: 'acl' },
          Rules: [],
        }),
      )
    ).Summary!;
    return { cognito, waf, pool, acl };
  }

  it('a new web ACL reaches Cognito after a while: the first associations are WAFUnavailableEntityException', async () => {
    const { cognito, waf, pool, acl } = await setUp();
    const associate = () => waf.send(new AssociateWebACLCommand({ WebACLArn: acl.ARN!, ResourceArn: pool.Arn! }));
    await expect(associate()).rejects.toMatchObject({ name: 'WAFUnavailableEntityException' });
    await expect(associate()).rejects.toMatchObject({ name: 'WAFUnavailableEntityException' });
    await associate();
    expect((await waf.send(new GetWebACLForResourceCommand({ ResourceArn: pool.Arn! }))).WebACL?.ARN).toBe(acl.ARN);
    cognito.destroy();
    waf.destroy();
  });

  it('DeleteWebACL refuses a web ACL still on a pool (WAFAssociatedItemException), and deletes it once disassociated', async () => {
    const { cognito, waf, pool, acl } = await setUp();
    f.proxy.realism!.disabled.add('waf-association-propagation');
    await waf.send(new AssociateWebACLCommand({ WebACLArn: acl.ARN!, ResourceArn: pool.Arn! }));
    const token = async () => (await waf.send(new GetWebACLCommand({ Name: 'acl', Scope: 'REGIONAL', Id: acl.Id! }))).LockToken!;
    const remove = async () => waf.send(new DeleteWebACLCommand({ Name: 'acl', Scope: 'REGIONAL', Id: acl.Id!, LockToken: await token() }));
    await expect(remove()).rejects.toMatchObject({ name: 'WAFAssociatedItemException' });
    await waf.send(new DisassociateWebACLCommand({ ResourceArn: pool.Arn! }));
    await remove();
    cognito.destroy();
    waf.destroy();
  });

  it("a deleted pool's association ends with it", async () => {
    const { cognito, waf, pool, acl } = await setUp();
    f.proxy.realism!.disabled.add('waf-association-propagation');
    await waf.send(new AssociateWebACLCommand({ WebACLArn: acl.ARN!, ResourceArn: pool.Arn! }));
    await cognito.send(new DeleteUserPoolCommand({ UserPoolId: pool.Id! }));
    const LockToken = (await waf.send(new GetWebACLCommand({ Name: 'acl', Scope: 'REGIONAL', Id: acl.Id! }))).LockToken!;
    await waf.send(new DeleteWebACLCommand({ Name: 'acl', Scope: 'REGIONAL', Id: acl.Id!, LockToken }));
    cognito.destroy();
    waf.destroy();
  });

  it('a rate-based rule counts at least 10 requests, over 60, 120, 300 or 600 seconds', async () => {
    const waf = new WAFV2Client(viaProxy());
    const vc = { SampledRequestsEnabled: false, CloudWatchMetricsEnabled: false, MetricName: 'r' };
    const acl = (Limit: number, EvaluationWindowSec: number) =>
      waf.send(
        new CreateWebACLCommand({
          Name: `acl-${Limit}-${EvaluationWindowSec}`,
          Scope: 'REGIONAL',
          DefaultAction: { Allow: {} },
          VisibilityConfig: vc,
          Rules: [
            {
              Name: 'r',
              Priority: 0,
              Action: { Block: {} },
              Statement: { RateBasedStatement: { Limit, EvaluationWindowSec, AggregateKeyType: 'IP' } },
              VisibilityConfig: vc,
            },
          ],
        }),
      );
    await expect(acl(9, 300)).rejects.toMatchObject({ name: 'WAFInvalidParameterException' });
    await expect(acl(10, 90)).rejects.toMatchObject({ name: 'WAFInvalidParameterException' });
    await acl(10, 60);
    expect(f.proxy.realism!.fired['waf-rate-based-limits']).toBe(2);
    waf.destroy();
  });

  it('the association calls take only a resource ARN of a supported form, and a REGIONAL web ACL', async () => {
    const { cognito, waf, pool, acl } = await setUp();
    await expect(waf.send(new GetWebACLForResourceCommand({ ResourceArn: pool.Id! }))).rejects.toMatchObject({
      name: 'WAFInvalidParameterException',
    });
    await expect(
      waf.send(new AssociateWebACLCommand({ WebACLArn: acl.ARN!.replace(':regional/', ':global/'), ResourceArn: pool.Arn! })),
    ).rejects.toMatchObject({ name: 'WAFInvalidParameterException' });
    expect(f.proxy.realism!.fired['waf-resource-arn']).toBe(2);
    cognito.destroy();
    waf.destroy();
  });
});
