import type { Role } from '@aws-sdk/client-iam';
import { withBackoff } from '../../core/backoff.js';
import { awsErrorName, call, callOrAbsent, isLostCreate, isNotFound, toUserError } from '../aws-errors.js';
import type { AwsClients } from '../clients.js';
import { sdk } from '../sdk.js';
import { tagList, type TagMap } from '../tags.js';

/** The IAM operations the steps use, on roles only, with AWS's errors mapped to the user's. */
export interface IamPort {
  /** Undefined when there is no such role. */
  getRole(roleName: string): Promise<Role | undefined>;
  /** ARNs of the managed policies attached; undefined when there is no such role. */
  attachedPolicies(roleName: string): Promise<string[] | undefined>;
  /** Names of the inline policies; empty when there is no such role. */
  inlinePolicyNames(roleName: string): Promise<string[]>;
  /** The inline policy's document (IAM returns it URL-encoded); undefined when absent. */
  getRolePolicy(roleName: string, policyName: string): Promise<string | undefined>;
  /**
   * Creates the role. When a retried CreateRole finds the role its first, lost attempt made,
   * `recoverLostCreate` decides whether that role is ours to use (it is returned) or not (the
   * "already exists" error is).
   */
  createRole(
    input: { roleName: string; trustPolicy: unknown; description: string; tags: TagMap },
    recoverLostCreate: (found: Role) => boolean,
  ): Promise<Role | undefined>;
  putRolePolicy(roleName: string, policyName: string, document: unknown): Promise<void>;
  updateAssumeRolePolicy(roleName: string, document: unknown): Promise<void>;
  tagRole(roleName: string, tags: TagMap): Promise<void>;
  /** Already detached (or no role) is success. */
  detachRolePolicy(roleName: string, policyArn: string): Promise<void>;
  /** Already deleted (or no role) is success. */
  deleteRolePolicy(roleName: string, policyName: string): Promise<void>;
  /** Already deleted is success. */
  deleteRole(roleName: string): Promise<void>;
}

export function iamPort(aws: AwsClients): IamPort {
  const api = () => sdk('@aws-sdk/client-iam');

  /**
   * Writes to a role "can throw ConcurrentModificationException: multiple requests to change this
   * object were submitted simultaneously", which the SDK does not retry
   * (https://docs.aws.amazon.com/IAM/latest/APIReference/API_TagRole.html#API_TagRole_Errors).
   * Callers write one after another; a conflict with someone else's write (the same stack's `up`
   * in another region tags this shared role too) is retried with backoff.
   */
  async function write(action: string, roleName: string, fn: () => Promise<unknown>, absentIsSuccess = false): Promise<void> {
    await withBackoff(fn, {
      retryable: (err) => /^ConcurrentModification(Exception)?$/.test(awsErrorName(err)),
      onRetry: () => {
        aws.stats.retries += 1;
      },
    }).catch((err: unknown) => {
      if (absentIsSuccess && isNotFound(err)) return;
      throw toUserError(err, action, roleName);
    });
  }

  return {
    async getRole(RoleName) {
      const iam = await aws.iam();
      const out = await callOrAbsent('iam:GetRole', RoleName, () => iam.send(new (api().GetRoleCommand)({ RoleName })));
      return out?.Role;
    },
    async attachedPolicies(RoleName) {
      const iam = await aws.iam();
      const out = await callOrAbsent('iam:ListAttachedRolePolicies', RoleName, () =>
        iam.send(new (api().ListAttachedRolePoliciesCommand)({ RoleName })),
      );
      return out && (out.AttachedPolicies ?? []).map((p) => p.PolicyArn ?? '');
    },
    async inlinePolicyNames(RoleName) {
      const iam = await aws.iam();
      const out = await callOrAbsent('iam:ListRolePolicies', RoleName, () => iam.send(new (api().ListRolePoliciesCommand)({ RoleName })));
      return out?.PolicyNames ?? [];
    },
    async getRolePolicy(RoleName, PolicyName) {
      const iam = await aws.iam();
      const out = await callOrAbsent('iam:GetRolePolicy', RoleName, () =>
        iam.send(new (api().GetRolePolicyCommand)({ RoleName, PolicyName })),
      );
      return out?.PolicyDocument;
    },
    async createRole(input, recoverLostCreate) {
      const iam = await aws.iam();
      const RoleName = input.roleName;
      const created = await iam
        .send(
          new (api().CreateRoleCommand)({
            RoleName,
            AssumeRolePolicyDocument: JSON.stringify(input.trustPolicy),
            Description: input.description,
            Tags: tagList(input.tags),
          }),
        )
        .catch(async (err: unknown) => {
          // A retried CreateRole whose first attempt succeeded: the role is there.
          if (isLostCreate(err, ['EntityAlreadyExistsException', 'EntityAlreadyExists'])) {
            const found = await call('iam:GetRole', RoleName, () => iam.send(new (api().GetRoleCommand)({ RoleName })));
            if (found.Role && recoverLostCreate(found.Role)) return found;
          }
          throw toUserError(err, 'iam:CreateRole', RoleName);
        });
      return created.Role;
    },
    async putRolePolicy(RoleName, PolicyName, document) {
      const iam = await aws.iam();
      await write('iam:PutRolePolicy', RoleName, () =>
        iam.send(new (api().PutRolePolicyCommand)({ RoleName, PolicyName, PolicyDocument: JSON.stringify(document) })),
      );
    },
    async updateAssumeRolePolicy(RoleName, document) {
      const iam = await aws.iam();
      await write('iam:UpdateAssumeRolePolicy', RoleName, () =>
        iam.send(new (api().UpdateAssumeRolePolicyCommand)({ RoleName, PolicyDocument: JSON.stringify(document) })),
      );
    },
    async tagRole(RoleName, tags) {
      const iam = await aws.iam();
      await write('iam:TagRole', RoleName, () => iam.send(new (api().TagRoleCommand)({ RoleName, Tags: tagList(tags) })));
    },
    async detachRolePolicy(RoleName, PolicyArn) {
      const iam = await aws.iam();
      await write('iam:DetachRolePolicy', RoleName, () => iam.send(new (api().DetachRolePolicyCommand)({ RoleName, PolicyArn })), true);
    },
    async deleteRolePolicy(RoleName, PolicyName) {
      const iam = await aws.iam();
      await write('iam:DeleteRolePolicy', RoleName, () => iam.send(new (api().DeleteRolePolicyCommand)({ RoleName, PolicyName })), true);
    },
    async deleteRole(RoleName) {
      const iam = await aws.iam();
      await write('iam:DeleteRole', RoleName, () => iam.send(new (api().DeleteRoleCommand)({ RoleName })), true);
    },
  };
}
