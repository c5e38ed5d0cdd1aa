import { describe, expect, it } from 'vitest';
import type { AwsClients } from '../../../src/aws/clients.js';
import { createAwsPorts } from '../../../src/aws/ports/index.js';
import { OtpError } from '../../../src/core/errors.js';

/** An AWS error as the SDK throws it (moto produces none of these on demand). */
function awsError(name: string, message = name, attempts = 1): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400, attempts } });
}

/** Clients whose every send() is answered by `answer`, recording the command names. */
function fakeClients(answer: (command: string, input: Record<string, unknown>) => unknown) {
  const sent: string[] = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      sent.push(command.constructor.name);
      const out = answer(command.constructor.name, command.input);
      if (out instanceof Error) throw out;
      return out;
    },
  };
  const aws = new Proxy(
    { settings: { region: 'us-east-1' }, stats: { calls: 0, retries: 0 } },
    { get: (target, key) => (key in target ? target[key as keyof typeof target] : async () => client) },
  ) as unknown as AwsClients;
  return { ports: createAwsPorts(aws), aws, sent };
}

describe('AWS ports', () => {
  it('answer "not found" with undefined on reads and with success on deletes', async () => {
    const { ports } = fakeClients(() => awsError('NoSuchEntityException'));
    await expect(ports.iam.getRole('r')).resolves.toBeUndefined();
    await expect(ports.iam.inlinePolicyNames('r')).resolves.toEqual([]);
    await expect(ports.iam.deleteRole('r')).resolves.toBeUndefined();
    await expect(ports.iam.detachRolePolicy('r', 'arn:aws:iam::aws:policy/x')).resolves.toBeUndefined();
    const lambda = fakeClients(() => awsError('ResourceNotFoundException')).ports;
    await expect(lambda.lambda.getFunction('f')).resolves.toBeUndefined();
    await expect(lambda.lambda.removePermission('f', 'sid')).resolves.toBeUndefined();
    await expect(lambda.dynamodb.describeTable('t')).resolves.toBeUndefined();
    await expect(lambda.logs.deleteLogGroup('/aws/lambda/f')).resolves.toBeUndefined();
  });

  it('names the IAM action that was denied', async () => {
    const { ports } = fakeClients(() => awsError('AccessDeniedException', 'User x is not authorized'));
    const err = await ports.lambda.getFunction('f').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OtpError);
    expect(err).toMatchObject({ code: 'ACCESS_DENIED', details: { action: 'lambda:GetFunction' } });
    await expect(ports.cognito.deleteUserPool('p')).rejects.toMatchObject({ details: { action: 'cognito-idp:DeleteUserPool' } });
  });

  it('retries a concurrent modification of the IAM role, counting the retry', async () => {
    let calls = 0;
    const { ports, aws, sent } = fakeClients(() => (++calls === 1 ? awsError('ConcurrentModificationException') : {}));
    await ports.iam.tagRole('r', { a: 'b' });
    expect(sent).toEqual(['TagRoleCommand', 'TagRoleCommand']);
    expect(aws.stats.retries).toBe(1);
  });

  it('retries while IAM has not propagated the new role to Lambda, telling the caller', async () => {
    let calls = 0;
    const { ports } = fakeClients(() =>
      ++calls === 1
        ? awsError('InvalidParameterValueException', 'The role defined for the function cannot be assumed by Lambda.')
        : { FunctionArn: 'arn:aws:lambda:us-east-1:1:function:f' },
    );
    const retries: number[] = [];
    const created = await ports.lambda.createFunction(
      {
        FunctionName: 'f',
        Runtime: 'nodejs22.x',
        Role: 'arn:aws:iam::1:role/r',
        Handler: 'index.handler',
        Timeout: 5,
        MemorySize: 128,
        Environment: { Variables: {} },
        TracingConfig: { Mode: 'PassThrough' },
        ZipFile: new Uint8Array(),
        Description: 'd',
        Tags: {},
      },
      { onPropagationRetry: (n) => retries.push(n), recoverLostCreate: async () => false },
    );
    expect(created.FunctionArn).toContain(':function:f');
    expect(retries).toEqual([1]);
  });

  it('takes a role back that a retried create made but whose answer was lost, only when the caller owns it', async () => {
    const lost = awsError('EntityAlreadyExistsException', 'exists', 2);
    const role = { RoleName: 'r', Arn: 'arn:aws:iam::1:role/r', Tags: [{ Key: 'k', Value: 'v' }] };
    const answer = (command: string) => (command === 'CreateRoleCommand' ? lost : { Role: role });
    const input = { roleName: 'r', trustPolicy: {}, description: 'd', tags: {} };
    await expect(fakeClients(answer).ports.iam.createRole(input, () => true)).resolves.toEqual(role);
    await expect(fakeClients(answer).ports.iam.createRole(input, () => false)).rejects.toBeInstanceOf(OtpError);
  });

  it('speaks tag maps to the services that take Key/Value lists', async () => {
    const inputs: Record<string, unknown>[] = [];
    const { ports } = fakeClients((_command, input) => {
      inputs.push(input);
      return { Tags: [{ Key: 'a', Value: '1' }] };
    });
    await ports.sns.tagResource('arn:aws:sns:us-east-1:1:t', { a: '1' });
    expect(inputs[0]).toMatchObject({ Tags: [{ Key: 'a', Value: '1' }] });
    await expect(ports.dynamodb.tagsOf('t', 'arn:aws:dynamodb:us-east-1:1:table/t')).resolves.toEqual({ a: '1' });
  });

  it('maps WAF not-found to absence, refreshes a stale lock token, and reports a web ACL still in use', async () => {
    const absent = fakeClients(() => awsError('WAFNonexistentItemException')).ports.wafv2;
    await expect(absent.getWebAcl('acl', 'id')).resolves.toBeUndefined();
    await expect(absent.webAclArnFor('arn:aws:cognito-idp:us-east-1:1:userpool/p')).resolves.toBeUndefined();
    await expect(absent.disassociateWebAcl('arn:aws:cognito-idp:us-east-1:1:userpool/p')).resolves.toBeUndefined();
    await expect(absent.deleteWebAcl('acl', 'id', 't0')).resolves.toBe(true);

    let updates = 0;
    const tokens: unknown[] = [];
    const stale = fakeClients((command, input) => {
      if (command === 'GetWebACLCommand') return { WebACL: { Name: 'acl', Id: 'id' }, LockToken: 't1' };
      tokens.push(input.LockToken);
      return ++updates === 1 ? awsError('WAFOptimisticLockException') : {};
    });
    await stale.ports.wafv2.updateWebAcl({ Name: 'acl', Id: 'id', DefaultAction: { Allow: {} }, VisibilityConfig: undefined }, 't0');
    expect(stale.sent).toEqual(['UpdateWebACLCommand', 'GetWebACLCommand', 'UpdateWebACLCommand']);
    expect(tokens).toEqual(['t0', 't1']);

    const inUse = fakeClients(() => awsError('WAFAssociatedItemException')).ports.wafv2;
    await expect(inUse.deleteWebAcl('acl', 'id', 't0')).resolves.toBe(false);
    const denied = fakeClients(() => awsError('AccessDeniedException')).ports.wafv2;
    await expect(denied.deleteWebAcl('acl', 'id', 't0')).rejects.toMatchObject({ details: { action: 'wafv2:DeleteWebACL' } });
  });

  it('retries associating a web ACL that has not yet propagated to Cognito, telling the caller', async () => {
    let calls = 0;
    const { ports, sent } = fakeClients(() => (++calls === 1 ? awsError('WAFUnavailableEntityException') : {}));
    let retries = 0;
    await ports.wafv2.associateWebAcl(
      'arn:aws:wafv2:us-east-1:1:regional/webacl/acl/id',
      'arn:aws:cognito-idp:us-east-1:1:userpool/p',
      () => {
        retries += 1;
      },
    );
    expect(sent).toEqual(['AssociateWebACLCommand', 'AssociateWebACLCommand']);
    expect(retries).toBe(1);
  });

  it('finds a metric filter by its exact name, not a longer one sharing the prefix, and treats a missing group as none', async () => {
    const { ports } = fakeClients(() => ({ metricFilters: [{ filterName: 'f-2' }, { filterName: 'f' }] }));
    await expect(ports.logs.metricFilterNamed('/aws/lambda/x', 'f')).resolves.toMatchObject({ filterName: 'f' });
    const gone = fakeClients(() => awsError('ResourceNotFoundException')).ports.logs;
    await expect(gone.metricFilterNamed('/aws/lambda/x', 'f')).resolves.toBeUndefined();
    await expect(gone.deleteMetricFilter('/aws/lambda/x', 'f')).resolves.toBeUndefined();
  });
});
