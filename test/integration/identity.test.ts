import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CognitoIdentityProviderClient,
  DescribeUserPoolCommand,
  ListUserPoolsCommand,
  UpdateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ListTagsOfResourceCommand,
  UntagResourceCommand as UntagTable,
} from '@aws-sdk/client-dynamodb';
import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  ListTagsForResourceCommand as ListLogTags,
  UntagResourceCommand as UntagLogs,
} from '@aws-sdk/client-cloudwatch-logs';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { GetRoleCommand, UntagRoleCommand } from '@aws-sdk/client-iam';
import { ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetFunctionCommand, UntagResourceCommand as UntagFunction } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { mergedUpdate } from '../../src/steps/user-pool-step.js';
import { FUNCTION_NAMES, inventory, readState } from '../support/inventory.js';
import { useStackFixture } from '../support/stack-fixture.js';

/**
 * A stack's identity: two projects with the default config share every resource name in one
 * account; only the stackId tag (written by init, kept in the config) tells their stacks apart.
 */
const f = useStackFixture();
const ID_TAG = 'otp-setup:stack-id';

function clients() {
  const config = { region: 'us-east-1', endpoint: f.moto.url, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  return {
    db: new DynamoDBClient(config),
    logs: new CloudWatchLogsClient(config),
    cloudwatch: new CloudWatchClient(config),
    sns: new SNSClient(config),
  };
}

async function initFolder(from = 'noreply@example.com'): Promise<{ dir: string; id: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'otp-setup-id-'));
  const init = await f.cli(dir, ['init', '--from', from, '--yes']);
  expect(init.code, init.stderr).toBe(0);
  return { dir, id: await stackIdOf(dir) };
}

async function stackIdOf(dir: string): Promise<string> {
  return (JSON.parse(await readFile(join(dir, 'otp-setup.config.json'), 'utf8')) as { stackId: string }).stackId;
}

async function up(dir: string, extra: string[] = []) {
  const result = await f.cli(dir, ['up', '--json', ...extra]);
  expect(result.code, result.stderr).toBe(0);
  return result;
}

/**
 * Replaces a pool's tags (moto has no cognito-idp UntagResource). moto's UpdateUserPool also
 * resets UsernameAttributes, which AWS keeps (they cannot change after creation:
 * https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-attributes.html),
 * so this request carries them along, as AWS would have kept them.
 */
async function setPoolTags(poolId: string, tags: Record<string, string>, usernameAttributes = ['email']): Promise<void> {
  const { UserPool } = await f.sdk.cognito.send(new DescribeUserPoolCommand({ UserPoolId: poolId }));
  const client = new CognitoIdentityProviderClient({
    region: 'us-east-1',
    endpoint: f.moto.url,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { body: Uint8Array | string; headers: Record<string, string> };
      const body = JSON.stringify({ ...JSON.parse(Buffer.from(request.body).toString('utf8')), UsernameAttributes: usernameAttributes });
      request.body = new TextEncoder().encode(body);
      request.headers['content-length'] = String(Buffer.byteLength(body));
      return next(args);
    },
    { step: 'build' },
  );
  try {
    await client.send(new UpdateUserPoolCommand(mergedUpdate(UserPool!, { UserPoolTags: tags })));
  } finally {
    client.destroy();
  }
}

/** Every resource of the default-named stack in the account, with its stack-id tag. */
async function snapshot() {
  const { db, logs, cloudwatch, sns } = clients();
  try {
    const inv = await inventory(f);
    const pools = await Promise.all(
      inv.pools.map(async (p) => {
        const { UserPool } = await f.sdk.cognito.send(new DescribeUserPoolCommand({ UserPoolId: p.id }));
        return { id: p.id, clients: p.clients, id_tag: UserPool!.UserPoolTags?.[ID_TAG] };
      }),
    );
    const functions = await Promise.all(
      inv.functions.map(async (name) => ({
        name,
        id_tag: (await f.sdk.lambda.send(new GetFunctionCommand({ FunctionName: name }))).Tags?.[ID_TAG],
      })),
    );
    const roles = await Promise.all(
      inv.roles.map(async (name) => ({
        name,
        id_tag: (await f.sdk.iam.send(new GetRoleCommand({ RoleName: name }))).Role!.Tags?.find((t) => t.Key === ID_TAG)?.Value,
      })),
    );
    const tables = await Promise.all(
      ((await db.send(new ListTablesCommand({}))).TableNames ?? []).map(async (name) => {
        const arn = (await db.send(new DescribeTableCommand({ TableName: name }))).Table!.TableArn!;
        // AWS keeps one tag per key, TagResource overwriting its value
        // (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Tag.html); moto
        // appends a second entry instead, so the last one is the value AWS would hold.
        const tags = (await db.send(new ListTagsOfResourceCommand({ ResourceArn: arn }))).Tags ?? [];
        return { name, id_tag: tags.filter((t) => t.Key === ID_TAG).pop()?.Value };
      }),
    );
    const groups = await Promise.all(
      ((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/lambda/' }))).logGroups ?? []).map(async (g) => ({
        name: g.logGroupName!,
        id_tag: (await logs.send(new ListLogTags({ resourceArn: g.logGroupArn! }))).tags?.[ID_TAG],
      })),
    );
    const alarms = ((await cloudwatch.send(new DescribeAlarmsCommand({}))).MetricAlarms ?? []).map((x) => x.AlarmName!).sort();
    const topics = ((await sns.send(new ListTopicsCommand({}))).Topics ?? []).map((t) => t.TopicArn!);
    return { pools, functions, roles, tables, groups, alarms, topics };
  } finally {
    db.destroy();
    logs.destroy();
    cloudwatch.destroy();
    sns.destroy();
  }
}

/** Nothing of any stack is left in the account. */
async function expectNothingLeft(): Promise<void> {
  const after = await snapshot();
  expect({ ...after, groups: after.groups.length }).toEqual({
    pools: [],
    functions: [],
    roles: [],
    tables: [],
    groups: 0,
    alarms: [],
    topics: [],
  });
}

/** All tagged with `id`: one pool, four functions, the role, the table, four log groups. */
function expectStackTaggedWith(snap: Awaited<ReturnType<typeof snapshot>>, id: string) {
  expect(snap.pools).toHaveLength(1);
  expect(snap.functions.map((x) => x.name)).toEqual(FUNCTION_NAMES);
  expect(snap.roles.map((x) => x.name)).toEqual(['EmailOTPLambdaExecutionRole']);
  expect(snap.tables.map((x) => x.name)).toEqual(['email-otp-rate-limits']);
  expect(snap.groups).toHaveLength(5);
  const tagged = [...snap.pools, ...snap.functions, ...snap.roles, ...snap.tables, ...snap.groups].map((x) => x.id_tag);
  expect(new Set(tagged)).toEqual(new Set([id]));
}

describe('stack identity', () => {
  it("two folders with their own init in one account: B's teardown deletes nothing of A's, B's up refuses to take it over", async () => {
    const a = await initFolder('noreply@example.com');
    const b = await initFolder('other@example.org');
    expect(a.id).toMatch(/^[a-z0-9]{10}$/);
    expect(b.id).not.toBe(a.id);
    // Re-running init over a config keeps its id: a new one would make the deployed stack foreign.
    const again = await f.cli(a.dir, ['init', '--from', 'noreply@example.com', '--yes', '--force']);
    expect(again.stdout).toContain(`Kept its stack id "${a.id}"`);
    expect(await stackIdOf(a.dir)).toBe(a.id);
    // A also has alarms: they are named after the functions, so B's names match them too.
    const configA = join(a.dir, 'otp-setup.config.json');
    await writeFile(
      configA,
      JSON.stringify(
        { ...JSON.parse(await readFile(configA, 'utf8')), monitoring: { alarms: { enabled: true, email: 'ops@example.com' } } },
        null,
        2,
      ),
    );
    await up(a.dir);
    const before = await snapshot();
    expectStackTaggedWith(before, a.id);
    expect(before.alarms).toHaveLength(11);
    expect(before.topics).toHaveLength(1);

    // B never ran up. Its teardown lists what it found and keeps all of it, saying why.
    f.proxy.reset();
    const teardown = await f.cli(b.dir, ['teardown', '--yes', '--json']);
    expect(teardown.code, teardown.stderr).toBe(0);
    expect(f.proxy.writes()).toEqual([]);
    const found = teardown.json!.found as { delete: string[]; keep: Array<{ what: string; reason: string }> };
    expect(found.delete).toEqual([]);
    const keptOfA = found.keep.filter((k) => k.reason.includes(`stack id "${a.id}"`)).map((k) => k.what);
    expect(keptOfA.sort()).toEqual(
      [
        'CloudWatch alarms',
        'Lambda execution role',
        'Function log groups',
        'Rate-limit table',
        'User pool',
        'Define-auth-challenge function',
        'Create-auth-challenge function',
        'Verify-auth-challenge function',
        'Pre-sign-up function',
        'Post-authentication function',
      ].sort(),
    );
    expect(await snapshot()).toEqual(before);
    const plain = await f.cli(b.dir, ['teardown', '--yes']);
    expect(plain.stdout).toContain('Nothing of this stack was found to delete.');
    expect(plain.stdout).toMatch(
      new RegExp(
        `Will keep:\\n(.*\\n)*  - User pool: a user pool named "email-otp-pool" belongs to another otp-setup stack \\(stack id "${a.id}"`,
      ),
    );

    // B's up (default names, same as A's) refuses: it names the resource and A's id, and says what to do.
    f.proxy.reset();
    const refused = await f.cli(b.dir, ['up']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`named "[^"]+" belongs to another otp-setup stack \\(stack id "${a.id}"`));
    expect(refused.stderr).toContain('[FOREIGN_RESOURCE]');
    expect(refused.stderr).toContain('otp-setup up --adopt');
    // Only B's own sender may have been asked for verification; nothing of A's was written.
    expect(f.proxy.writes().filter((c) => c.service !== 'ses')).toEqual([]);
    expect(await snapshot()).toEqual(before);

    // A still owns and manages its stack.
    const plan = await f.cli(a.dir, ['plan']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('No changes');

    // --adopt is the explicit way to take it over: then it is B's, and A is the one refused.
    await up(b.dir, ['--adopt']);
    const adopted = await snapshot();
    expect(adopted.pools.map((p) => p.id)).toEqual(before.pools.map((p) => p.id));
    expectStackTaggedWith(adopted, b.id);
    const refusedA = await f.cli(a.dir, ['plan']);
    expect(refusedA.code).toBe(1);
    expect(refusedA.stderr).toContain(`stack id "${b.id}"`);
  });

  it('a teammate with a copy of the config (same stack id) sees and manages the same stack', async () => {
    const a = await initFolder();
    const first = await up(a.dir);
    const mate = await mkdtemp(join(tmpdir(), 'otp-setup-mate-'));
    await cp(join(a.dir, 'otp-setup.config.json'), join(mate, 'otp-setup.config.json'));

    f.proxy.reset();
    const mateUp = await up(mate);
    // Found by name and stack id: the same pool and client, no AWS write (only the teammate's .env).
    expect(f.proxy.writes()).toEqual([]);
    expect(mateUp.json!.userPoolId).toBe(first.json!.userPoolId);
    expect(mateUp.json!.clientId).toBe(first.json!.clientId);
    expect(await readFile(join(mate, '.env'), 'utf8')).toContain(`VITE_EMAIL_OTP_USER_POOL_ID=${first.json!.userPoolId as string}`);

    const teardown = await f.cli(mate, ['teardown', '--yes', '--json']);
    expect(teardown.code, teardown.stderr).toBe(0);
    const found = teardown.json!.found as { delete: string[] };
    expect(found.delete).toContain(`user pool email-otp-pool (${first.json!.userPoolId as string}) and all its users`);
    expect(found.delete).toContain('IAM role EmailOTPLambdaExecutionRole');
    await expectNothingLeft();
  });

  it('a config that lost its stackId: teardown uses the id the state file records, up writes it back', async () => {
    const a = await initFolder();
    const first = await up(a.dir);
    const configPath = join(a.dir, 'otp-setup.config.json');
    const withoutId = (await readFile(configPath, 'utf8')).replace(/\n\s*"stackId": "[a-z0-9]+",/, '');
    await writeFile(configPath, withoutId);

    const restored = await up(a.dir);
    expect(restored.stderr).toContain(`restored "stackId": "${a.id}"`);
    expect(await stackIdOf(a.dir)).toBe(a.id);
    expect(restored.json!.userPoolId).toBe(first.json!.userPoolId);

    await writeFile(configPath, withoutId);
    const teardown = await f.cli(a.dir, ['teardown', '--yes', '--json']);
    expect(teardown.code, teardown.stderr).toBe(0);
    expect(teardown.stderr).toContain(`using "${a.id}", the one this folder's state file records`);
    expect((teardown.json!.found as { delete: string[] }).delete).toContain(
      `user pool email-otp-pool (${first.json!.userPoolId as string}) and all its users`,
    );
    expect(await readFile(configPath, 'utf8')).toBe(withoutId);
    await expectNothingLeft();
  });

  it('a stack from before stack ids: up adopts it once when the state file records it; without the state file it is foreign', async () => {
    // A config without stackId, as every config before this change: up writes one, changing nothing else.
    const a = await f.project();
    const original = await readFile(join(a, 'otp-setup.config.json'), 'utf8');
    const first = await up(a);
    const id = await stackIdOf(a);
    expect(await readFile(join(a, 'otp-setup.config.json'), 'utf8')).toBe(original.replace('{\n', `{\n  "stackId": "${id}",\n`));
    expect(first.stderr).toContain(`wrote "stackId": "${id}"`);

    // Now make it what an older otp-setup left: resources tagged with the stack name only, no id anywhere.
    const { db, logs } = clients();
    const keys = [ID_TAG];
    const poolId = first.json!.userPoolId as string;
    const { UserPool } = await f.sdk.cognito.send(new DescribeUserPoolCommand({ UserPoolId: poolId }));
    const { [ID_TAG]: _dropped, ...poolTags } = UserPool!.UserPoolTags!;
    await setPoolTags(poolId, poolTags);
    await f.sdk.iam.send(new UntagRoleCommand({ RoleName: 'EmailOTPLambdaExecutionRole', TagKeys: keys }));
    for (const name of FUNCTION_NAMES) {
      const fn = await f.sdk.lambda.send(new GetFunctionCommand({ FunctionName: name }));
      await f.sdk.lambda.send(new UntagFunction({ Resource: fn.Configuration!.FunctionArn!, TagKeys: keys }));
    }
    const table = await db.send(new DescribeTableCommand({ TableName: 'email-otp-rate-limits' }));
    await db.send(new UntagTable({ ResourceArn: table.Table!.TableArn!, TagKeys: keys }));
    for (const g of (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/lambda/' }))).logGroups ?? []) {
      await logs.send(new UntagLogs({ resourceArn: g.logGroupArn!, tagKeys: keys }));
    }
    db.destroy();
    logs.destroy();
    await writeFile(join(a, 'otp-setup.config.json'), original);
    const statePath = join(a, '.otp-setup', 'state', 'email-otp.us-east-1.123456789012.json');
    const state = (await readState(a))!;
    delete state.identity;
    await writeFile(statePath, JSON.stringify(state));
    const old = await snapshot();
    expect(old.pools[0]!.id_tag).toBeUndefined();
    expect(old.functions.every((x) => x.id_tag === undefined)).toBe(true);

    // Another folder with the default config has no state file proving anything: foreign.
    const b = await f.project();
    const refused = await f.cli(b, ['up']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'carries the stack name "email-otp" but no stack id, and this folder\'s state file does not record it',
    );
    const teardown = await f.cli(b, ['teardown', '--yes', '--json']);
    expect(teardown.code, teardown.stderr).toBe(0);
    expect((teardown.json!.found as { delete: string[] }).delete).toEqual([]);
    expect(await snapshot()).toEqual(old);

    // The folder that made it: up adopts its own old-style resources, tags them, and says so once.
    const adopted = await up(a);
    const newId = await stackIdOf(a);
    expect(adopted.json!.adoptedLegacy).toHaveLength(13); // role, 5 functions, 5 log groups, table, pool
    expect(adopted.stderr).toContain(
      `Adopted 13 resource(s) created before stack ids (this folder's state file records them) and tagged them with stack id ${newId}`,
    );
    expect(adopted.json!.userPoolId).toBe(poolId);
    expectStackTaggedWith(await snapshot(), newId);
    // The adoption tagged the pool with UpdateUserPool, after which moto forgets UsernameAttributes.
    const tagged = (await f.sdk.cognito.send(new DescribeUserPoolCommand({ UserPoolId: poolId }))).UserPool!;
    await setPoolTags(poolId, tagged.UserPoolTags!);
    f.proxy.reset();
    const again = await up(a);
    expect(again.stderr).not.toContain('Adopted');
    expect(f.proxy.writes()).toEqual([]);
    const pools = await f.sdk.cognito.send(new ListUserPoolsCommand({ MaxResults: 60 }));
    expect(pools.UserPools).toHaveLength(1);
  });
});
