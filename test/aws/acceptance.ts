/**
 * `npm run test:aws`: the acceptance run against a real AWS account, for whoever has one.
 * up → status → doctor → test-auth (the emailed code typed at the prompt, or piped on stdin) →
 * teardown → nothing left, under a stage of its own so it never touches another stack.
 *
 * Opt-in only: the file name does not match vitest's `test/**\/*.test.ts`, so `npm test` and CI
 * never run it, and without credentials it says so and exits 0. It costs a few cents at most and
 * sends one or two emails.
 *
 *   OTP_TEST_FROM=noreply@your-domain.example  sender, ideally already verified in SES
 *   OTP_TEST_EMAIL=you@your-domain.example      receives the code (verified too while SES is in the sandbox)
 *   AWS_PROFILE / AWS_REGION (or OTP_TEST_REGION) as for the CLI
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CognitoIdentityProviderClient, paginateListUserPools } from '@aws-sdk/client-cognito-identity-provider';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { BIN } from '../support/cli.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const KINDS = ['define-auth-challenge', 'create-auth-challenge', 'verify-auth-challenge', 'pre-sign-up'];

function say(line: string): void {
  process.stderr.write(`[test:aws] ${line}\n`);
}

/** Runs the built CLI on this terminal: its prompts (the code) reach the user, or read piped stdin. */
function cli(dir: string, args: string[]): Promise<number> {
  say(`$ otp-setup ${args.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

const absent = (err: unknown): boolean =>
  ['ResourceNotFoundException', 'NoSuchEntityException', 'NoSuchEntity'].includes((err as Error).name);

/** What the stage left in the account, looked up with the SDK, not with otp-setup's own reads. */
async function leftovers(region: string, name: string, stage: string): Promise<string[]> {
  const left: string[] = [];
  const lambda = new LambdaClient({ region });
  const iam = new IAMClient({ region });
  const db = new DynamoDBClient({ region });
  const logs = new CloudWatchLogsClient({ region });
  const cognito = new CognitoIdentityProviderClient({ region });
  try {
    for (const kind of KINDS) {
      const fn = `${name}-${kind}-${stage}`;
      await lambda.send(new GetFunctionCommand({ FunctionName: fn })).then(
        () => left.push(`function ${fn}`),
        (err) => {
          if (!absent(err)) throw err;
        },
      );
      const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `/aws/lambda/${fn}` }));
      for (const g of groups.logGroups ?? []) if (g.logGroupName === `/aws/lambda/${fn}`) left.push(`log group ${g.logGroupName}`);
    }
    const role = `EmailOTPLambdaExecutionRole-${stage}`;
    await iam.send(new GetRoleCommand({ RoleName: role })).then(
      () => left.push(`role ${role}`),
      (err) => {
        if (!absent(err)) throw err;
      },
    );
    const table = `${name}-rate-limits-${stage}`;
    await db.send(new DescribeTableCommand({ TableName: table })).then(
      () => left.push(`table ${table}`),
      (err) => {
        if (!absent(err)) throw err;
      },
    );
    for await (const page of paginateListUserPools({ client: cognito }, { MaxResults: 60 })) {
      for (const p of page.UserPools ?? []) if (p.Name === `${name}-pool-${stage}`) left.push(`user pool ${p.Id}`);
    }
  } finally {
    for (const c of [lambda, iam, db, logs, cognito]) c.destroy();
  }
  return left;
}

async function main(): Promise<number> {
  const region = process.env.OTP_TEST_REGION ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const sts = new STSClient({ region });
  let account: string | undefined;
  try {
    account = (await sts.send(new GetCallerIdentityCommand({}))).Account;
  } catch (err) {
    say(`SKIPPED: no usable AWS credentials (${(err as Error).name}: ${(err as Error).message.split('\n')[0]}).`);
    say('This run deploys to a real account. Set AWS_PROFILE (or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) to run it.');
    return 0;
  } finally {
    sts.destroy();
  }
  const from = process.env.OTP_TEST_FROM;
  const email = process.env.OTP_TEST_EMAIL ?? from;
  if (!from || !EMAIL.test(from) || !email || !EMAIL.test(email)) {
    say('Set OTP_TEST_FROM to the sender address (verified in SES, or up asks you to click the link AWS sends),');
    say('and OTP_TEST_EMAIL to an address you can read the code at (default: the sender). Nothing was deployed.');
    return 2;
  }
  // Unique per run, within the schema's 16 characters: acc-<time>-<random>.
  const stage = `acc-${Date.now().toString(36)}-${randomBytes(2).toString('hex').slice(0, 3)}`;
  const name = 'email-otp';
  const dir = await mkdtemp(join(tmpdir(), 'otp-setup-aws-'));
  const config = { name, region, stage, email: { from }, userPool: { deletionProtection: false }, frontend: { envFile: false } };
  await writeFile(join(dir, 'otp-setup.config.json'), `${JSON.stringify(config, null, 2)}\n`);
  say(`account ${account}, region ${region}, stage ${stage}, project ${dir}`);

  const failures: string[] = [];
  const step = async (args: string[], mustPass = true): Promise<boolean> => {
    const code = await cli(dir, args);
    if (code !== 0 && mustPass) failures.push(`otp-setup ${args.join(' ')} exited ${code}`);
    return code === 0;
  };
  try {
    if (await step(['up'])) {
      await step(['status']);
      // doctor exits 1 when a check fails (e.g. the sender still waits for its link): reported, not fatal here.
      await step(['doctor'], false);
      say(`test-auth: type the code emailed to ${email} (or pipe it: echo 123456 | npm run test:aws)`);
      await step(['test-auth', '--email', email, '--create-user']);
    }
  } finally {
    // Also after a failed up: whatever it created before failing goes too.
    await step(['teardown', '--yes']);
    const left = await leftovers(region, name, stage);
    if (left.length > 0) failures.push(`left behind in ${region}: ${left.join(', ')}`);
    const state = await readdir(join(dir, '.otp-setup', 'state')).catch(() => []);
    if (state.length > 0) failures.push(`state file(s) left: ${state.join(', ')}`);
    if (failures.length === 0) await rm(dir, { recursive: true, force: true });
  }
  if (failures.length > 0) {
    for (const f of failures) say(`FAIL: ${f}`);
    say(`The project folder is kept for a look: ${dir}`);
    return 1;
  }
  say('PASS: up, status, doctor, test-auth and teardown against AWS; nothing left.');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    say(`FAIL: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
