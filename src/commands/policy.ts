import { createAwsClients } from '../aws/clients.js';
import { loadConfig } from '../config/load-config.js';
import { resourceNames } from '../config/resource-names.js';
import { isOtpError, OtpError, usageError } from '../core/errors.js';
import { partitionOf } from '../core/permissions.js';
import { deployerGrants, MANAGED_POLICY_MAX_CHARS, policyDocument } from '../policy/deployer-policy.js';
import type { CommandEnv } from './deps.js';
import { awsSettings, callerIdentity, configPath, resolveRegion } from './stack-context.js';

/** Failures of the account lookup that --account-id avoids. */
const NO_ACCOUNT = new Set(['NO_CREDENTIALS', 'INVALID_CREDENTIALS', 'ENDPOINT_UNREACHABLE']);

export interface PolicyOptions {
  accountId?: string;
}

/**
 * Prints the least-privilege IAM policy for this config: the document alone on stdout (ready for
 * `aws iam create-policy --policy-document file://...`), or inside the one JSON result with --json.
 */
export async function policyCommand(env: CommandEnv, options: PolicyOptions): Promise<number> {
  const { io } = env;
  if (options.accountId !== undefined && !/^\d{12}$/.test(options.accountId)) {
    throw usageError(
      'INVALID_ACCOUNT_ID',
      `--account-id ${options.accountId} is not an AWS account id.`,
      'An account id is 12 digits, e.g. 123456789012.',
    );
  }
  const { config } = await loadConfig(configPath(env), { stage: env.global.stage, region: env.global.region });
  const region = await resolveRegion(env, config);
  let accountId = options.accountId;
  let partition = partitionOf(region);
  if (accountId === undefined) {
    const aws = (env.deps.createAwsClients ?? createAwsClients)(awsSettings(env, region));
    try {
      ({ accountId, partition } = await callerIdentity(aws));
    } catch (err) {
      if (isOtpError(err) && NO_ACCOUNT.has(err.code)) {
        throw new OtpError(err.code, `${err.message} otp-setup policy asks AWS only for the account id.`, {
          cause: err,
          resolution: `Pass it instead: otp-setup policy --account-id 123456789012. Or: ${err.resolution ?? 'fix the credentials.'}`,
        });
      }
      throw err;
    } finally {
      aws.destroy();
    }
  }
  const names = resourceNames(config);
  const policy = policyDocument(deployerGrants({ config, names, region, accountId, partition }));
  io.info(
    `IAM policy for stack ${names.stackId} in ${region}, account ${accountId} (up, plan, status, teardown, doctor, test-auth, unlock)`,
  );
  const size = JSON.stringify(policy).length;
  if (size > MANAGED_POLICY_MAX_CHARS) {
    io.warn(
      `The policy has ${size} characters, more than a managed policy may hold (${MANAGED_POLICY_MAX_CHARS}): attach it as two policies, or shorten "name" and "stage".`,
    );
  }
  io.out(JSON.stringify(policy, null, 2));
  io.result({ ok: true, command: 'policy', stack: names.stackId, region, accountId, policy });
  return 0;
}
