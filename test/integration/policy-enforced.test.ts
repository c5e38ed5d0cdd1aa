import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CognitoIdentityProviderClient, ListUserPoolsCommand } from '@aws-sdk/client-cognito-identity-provider';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, ListRolesCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess } from '../support/in-process.js';
import type { PolicyDocument, Statement } from '../support/iam-policy.js';
import { motoEnv, workerMoto, type Moto } from '../support/moto.js';
import { BASE_CONFIG } from '../support/stack-fixture.js';

/**
 * The policy proven by use: an IAM user holding exactly its actions deploys, re-deploys, plans,
 * checks and tears down a stack against moto with IAM enforcement on. moto checks each action
 * against resource "*" and evaluates conditions against an empty request context
 * (moto's IAM access control is "very basic", https://docs.getmoto.org/en/latest/docs/iam.html), so this test widens every statement to "*"
 * without conditions: it proves the action list; the ARN scoping is test/integration/policy.test.ts's.
 */
let moto: Moto;
let iam: IAMClient;
let lambda: LambdaClient;
let cognito: CognitoIdentityProviderClient;

beforeAll(async () => {
  moto = await workerMoto();
  const admin = { region: 'us-east-1', endpoint: moto.url, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  iam = new IAMClient(admin);
  lambda = new LambdaClient(admin);
  cognito = new CognitoIdentityProviderClient(admin);
});
afterAll(async () => {
  for (const c of [iam, lambda, cognito]) c?.destroy();
});

/** Every optional feature on, so the policy and the run cover alarms, SNS, DKIM, tracing and the pool update in teardown. */
const FULL = {
  ...BASE_CONFIG,
  stage: 'prod',
  email: { from: 'noreply@example.com', dkim: true },
  monitoring: { tracing: true, alarms: { enabled: true, email: 'ops@example.com' } },
  protection: { waf: { enabled: true } },
};

/** moto asks for "*" and knows no condition context; it names CloudWatch actions by the signing name "monitoring". */
function widenForMoto(policy: PolicyDocument, without: string[] = []): PolicyDocument {
  const actions = [...new Set(policy.Statement.flatMap((s) => s.Action))].filter((a) => !without.includes(a)).sort();
  const monitoring = actions.filter((a) => a.startsWith('cloudwatch:')).map((a) => a.replace(/^cloudwatch:/, 'monitoring:'));
  const statement: Statement = { Sid: 'ExactlyThePolicysActions', Effect: 'Allow', Action: [...actions, ...monitoring], Resource: '*' };
  return { Version: '2012-10-17', Statement: [statement] };
}

async function userWithPolicy(name: string, policy: PolicyDocument): Promise<Record<string, string>> {
  await iam.send(new CreateUserCommand({ UserName: name }));
  await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'otp-setup-deployer', PolicyDocument: JSON.stringify(policy) }));
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
  return { ...motoEnv(moto.url), AWS_ACCESS_KEY_ID: key.AccessKeyId!, AWS_SECRET_ACCESS_KEY: key.SecretAccessKey! };
}

async function project(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'otp-setup-policy-'));
  await writeFile(join(dir, 'otp-setup.config.json'), JSON.stringify(FULL, null, 2));
  return dir;
}

describe('otp-setup policy under IAM enforcement (moto)', () => {
  it(
    'a user holding exactly the policy runs up, up, plan, status and teardown; one action less and up is denied, naming it',
    { timeout: 300_000 },
    async () => {
      const dir = await project();
      const printed = await runInProcess(['policy', '--json'], { cwd: dir, env: motoEnv(moto.url) });
      expect(printed.code, printed.stderr).toBe(0);
      const policy = printed.json!.policy as PolicyDocument;
      // Created before enforcement is switched on: afterwards the default keys are refused.
      const deployer = await userWithPolicy('otp-deployer', widenForMoto(policy));
      const lacking = await userWithPolicy('otp-deployer-no-create-role', widenForMoto(policy, ['iam:CreateRole']));

      await moto.enforceIam(true);
      try {
        const refused = await runInProcess(['status', '--json'], { cwd: dir, env: motoEnv(moto.url) });
        expect(refused.code).toBe(1);
        expect(refused.json!.error).toMatchObject({ code: 'INVALID_CREDENTIALS' });

        for (const args of [['up'], ['up'], ['plan'], ['status'], ['teardown', '--yes']]) {
          const result = await runInProcess([...args, '--json'], { cwd: dir, env: deployer });
          expect(result.code, `${args.join(' ')}: ${result.stdout}\n${result.stderr}`).toBe(0);
        }
      } finally {
        await moto.enforceIam(false);
      }
      // The teardown by the deployer left nothing behind.
      expect((await lambda.send(new ListFunctionsCommand({}))).Functions).toEqual([]);
      expect((await cognito.send(new ListUserPoolsCommand({ MaxResults: 60 }))).UserPools).toEqual([]);
      expect(((await iam.send(new ListRolesCommand({}))).Roles ?? []).filter((r) => !r.Path?.startsWith('/aws-service-role/'))).toEqual([]);

      // Not a test that cannot fail: moto does deny what the policy does not grant. (Probed with moto 5.2.1:
      // it denies a missing action of IAM, SES, Lambda, Cognito, DynamoDB, CloudWatch and logs:DescribeLogGroups,
      // but lets logs:CreateLogGroup and sns:CreateTopic through; a denied JSON-protocol call comes back as XML,
      // which the SDK reports as a "Deserialization error" where AWS sends AccessDeniedException. The IAM one is clean.)
      await moto.enforceIam(true);
      try {
        const denied = await runInProcess(['up', '--json'], { cwd: await project(), env: lacking });
        expect(denied.code).toBe(1);
        expect(denied.json!.error).toMatchObject({ code: 'ACCESS_DENIED' });
        expect((denied.json!.error as { resolution: string }).resolution).toContain('iam:CreateRole');
      } finally {
        await moto.enforceIam(false);
      }
    },
  );
});
