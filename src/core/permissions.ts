import type { StepContext } from './step.js';

/**
 * What the code that calls AWS declares it needs, so `otp-setup policy` can print the deployer's
 * least-privilege policy from the same place the calls are made (one source of truth).
 *
 * Resource-level support and ARN formats follow the Service Authorization Reference, one page per
 * service: https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
 * (list_awslambda, list_identityandaccessmanagementiam, list_amazoncognitouserpools, list_amazonses,
 * list_amazoncloudwatchlogs, list_amazoncloudwatch, list_amazonsns, list_amazondynamodb). An action
 * with no resource type there must be granted on "*"; everything else is scoped to the stack's ARNs.
 */
export interface Grant {
  /** IAM actions, "service:Action"; never a wildcard. */
  actions: string[];
  /** ARNs (patterns) of the stack's resources, or ["*"] where the action has no resource type. */
  resources: string[];
  conditions?: Record<string, Record<string, string | string[]>>;
}

/** What the declarations depend on: the config, its names, and where it is deployed. */
export type PermissionScope = Pick<StepContext, 'config' | 'names' | 'region' | 'accountId' | 'partition'>;

export function grant(actions: string[], resources: string[], conditions?: Grant['conditions']): Grant {
  return { actions, resources, ...(conditions ? { conditions } : {}) };
}

/** The partition a region belongs to, for building ARNs without asking AWS. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  return 'aws';
}

/**
 * Calls that need no IAM permission at all. sts:GetCallerIdentity: "No permissions are required
 * to perform this operation" (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html).
 * Cognito's public and token-authorized user-pool operations: "Amazon Cognito doesn't evaluate IAM
 * policies in requests for this API operation"
 * (https://docs.aws.amazon.com/cognito/latest/developerguide/authentication-flows-public-server-side.html).
 */
export const NO_PERMISSION_NEEDED: readonly string[] = [
  'sts:GetCallerIdentity',
  'cognito-idp:InitiateAuth',
  'cognito-idp:RespondToAuthChallenge',
  'cognito-idp:GetUser',
  'cognito-idp:RevokeToken',
];
