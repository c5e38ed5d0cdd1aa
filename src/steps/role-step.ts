import { grant } from '../core/permissions.js';
import { create, destroyOwned, diffFields, noop, update, type Change, type Step, type StepContext } from '../core/step.js';
import { OWNERSHIP_TAG } from '../config/resource-names.js';
import { foreignReason, ownershipTags, tagsFromList } from './ownership.js';
import { FUNCTION_KINDS } from '../config/function-kinds.js';

interface RoleActual {
  arn: string;
  trustPolicy: unknown;
  attached: string[];
  inlinePolicy: unknown;
  tags: Record<string, string>;
}

const TRUST_POLICY = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};

/**
 * Attached by earlier versions: `logs:CreateLogGroup`, `CreateLogStream` and `PutLogEvents` on
 * every log group in the account. Replaced by the inline WriteOwnLogs statement; `up` detaches it.
 */
export function basicExecutionPolicyArn(partition: string): string {
  return `arn:${partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole`;
}

export function roleArn(ctx: Pick<StepContext, 'partition' | 'accountId' | 'names'>): string {
  return `arn:${ctx.partition}:iam::${ctx.accountId}:role/${ctx.names.role}`;
}

/**
 * Least privilege instead of the guide's AmazonSESFullAccess: send only, only as our sender.
 * The resource is every identity because SES also authorizes the recipient's identity while the
 * account is in the SES sandbox; the ses:FromAddress condition keeps the sender fixed.
 *
 * IAM is global: the same stack deployed in two regions shares this role, so its resources name
 * every region (`*`) and rely on the account and our names, never on one region's ARNs that a
 * second region's `up` would overwrite.
 */
export function sesSendPolicy(ctx: Pick<StepContext, 'partition' | 'accountId' | 'config'>): unknown {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'SendOneTimeCodesAsOurSender',
        Effect: 'Allow',
        // SendRawEmail is not used: the create function sends with SendEmail only.
        Action: ['ses:SendEmail'],
        Resource: `arn:${ctx.partition}:ses:*:${ctx.accountId}:identity/*`,
        Condition: { StringEquals: { 'ses:FromAddress': ctx.config.email.from } },
      },
    ],
  };
}

/**
 * The role's inline policy: SES send, the rate limiter's table when it is on, and X-Ray segment
 * upload when `monitoring.tracing` is on
 * (what AWSXRayDaemonWriteAccess grants for Lambda; X-Ray has no resource-level permissions).
 * Inline, so turning tracing off removes the permission again.
 */
export function roleInlinePolicy(ctx: Pick<StepContext, 'partition' | 'accountId' | 'config' | 'names'>): unknown {
  const policy = sesSendPolicy(ctx) as { Version: string; Statement: unknown[] };
  const statements = [
    ...policy.Statement,
    {
      // Each function writes only to its own log group, which the log-groups step creates first
      // (with its retention), so no logs:CreateLogGroup and nothing on other log groups.
      Sid: 'WriteOwnLogs',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: FUNCTION_KINDS.map(
        (kind) => `arn:${ctx.partition}:logs:*:${ctx.accountId}:log-group:/aws/lambda/${ctx.names.functions[kind]}:*`,
      ),
    },
  ];
  statements.push({
    // The post-authentication function marks an address verified after its first correct code.
    // The pool's id is not known before the pool exists (and the pool needs the functions, which
    // need this role), so the grant names this stack's pools by their ownership tag instead:
    // Cognito user pools support aws:ResourceTag conditions (Service Authorization Reference,
    // "Actions, resources, and condition keys for Amazon Cognito User Pools").
    Sid: 'MarkEmailVerified',
    Effect: 'Allow',
    Action: ['cognito-idp:AdminUpdateUserAttributes'],
    Resource: `arn:${ctx.partition}:cognito-idp:*:${ctx.accountId}:userpool/*`,
    Condition: { StringEquals: { [`aws:ResourceTag/${OWNERSHIP_TAG}`]: ctx.names.stackId } },
  });
  if (ctx.config.rateLimit.enabled) {
    // Only the limiter's item operations, only on its table.
    statements.push({
      Sid: 'CountCodesAndFailures',
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
      Resource: `arn:${ctx.partition}:dynamodb:*:${ctx.accountId}:table/${ctx.names.rateLimitTable}`,
    });
  }
  if (ctx.config.monitoring.tracing) {
    statements.push({
      Sid: 'WriteXRayTraces',
      Effect: 'Allow',
      Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
      Resource: '*',
    });
  }
  return { ...policy, Statement: statements };
}

function decodePolicy(document: string | undefined): unknown {
  if (!document) return undefined;
  // IAM returns policy documents URL-encoded.
  return JSON.parse(decodeURIComponent(document));
}

/** Regions whose functions run under this role (the same stack may be deployed in several). */
export const REGIONS_TAG = 'otp-setup:regions';

function regionsOf(tags: Record<string, string> | undefined): string[] {
  return (tags?.[REGIONS_TAG] ?? '').split(' ').filter(Boolean);
}

/** IAM tag values allow no commas: regions are space-separated, sorted so the value is stable. */
function regionsTag(regions: Iterable<string>): string {
  return [...new Set(regions)].sort().join(' ');
}

function desired(ctx: StepContext, actualTags?: Record<string, string>) {
  return {
    trustPolicy: TRUST_POLICY,
    // No managed policy: logging is in the inline policy, scoped to our own log groups.
    attached: [] as string[],
    inlinePolicy: roleInlinePolicy(ctx),
    tags: { ...ownershipTags(ctx), [REGIONS_TAG]: regionsTag([...regionsOf(actualTags), ctx.region]) },
  };
}

export const roleStep: Step<RoleActual, 'role'> = {
  id: 'role',
  title: 'Lambda execution role',
  dependsOn: [],

  permissions(scope) {
    const role = roleArn(scope);
    return [
      grant(
        [
          'iam:GetRole',
          'iam:ListAttachedRolePolicies',
          'iam:GetRolePolicy',
          'iam:ListRolePolicies',
          'iam:CreateRole',
          'iam:TagRole',
          'iam:UpdateAssumeRolePolicy',
          'iam:PutRolePolicy',
          'iam:DeleteRolePolicy',
          'iam:DetachRolePolicy',
          'iam:DeleteRole',
        ],
        [role],
      ),
      // The one managed policy up attaches, and no other (an admin policy on this role would be an escalation path).
      grant(['iam:AttachRolePolicy'], [role], { ArnEquals: { 'iam:PolicyARN': basicExecutionPolicyArn(scope.partition) } }),
    ];
  },

  async read(ctx) {
    const { iam } = ctx.ports;
    const RoleName = ctx.names.role;
    const [r, attached, inline] = await Promise.all([
      iam.getRole(RoleName),
      iam.attachedPolicies(RoleName),
      iam.getRolePolicy(RoleName, ctx.names.inlinePolicy),
    ]);
    if (!r) return { status: 'absent' };
    const tags = tagsFromList(r.Tags);
    const foreign = foreignReason(ctx, 'IAM role', RoleName, tags, r.Arn !== undefined && ctx.state.resources.roleArn === r.Arn);
    // Only ours is recorded: the record is what proves a role from before stack ids ours.
    if (!foreign || ctx.adopt) ctx.state.resources.roleArn = r.Arn;
    return {
      status: 'present',
      foreign,
      actual: {
        arn: r.Arn ?? roleArn(ctx),
        trustPolicy: decodePolicy(r.AssumeRolePolicyDocument),
        attached: [...(attached ?? [])].sort(),
        inlinePolicy: decodePolicy(inline),
        tags,
      },
    };
  },

  plan(ctx, observed): Change {
    const want = desired(ctx, observed.status === 'present' ? observed.actual.tags : undefined);
    if (observed.status === 'absent') {
      const change = create(`create ${ctx.names.role} (own log groups + SES send as ${ctx.config.email.from})`, async (c) => {
        const RoleName = c.names.role;
        const created = await c.ports.iam.createRole(
          {
            roleName: RoleName,
            trustPolicy: want.trustPolicy,
            description: `Execution role of the otp-setup sign-in functions (${c.names.stackId})`,
            tags: want.tags,
          },
          // A retried CreateRole whose first attempt succeeded: the role is there, tagged as ours.
          (found) => !foreignReason(c, 'IAM role', RoleName, tagsFromList(found.Tags)),
        );
        c.state.resources.roleArn = created?.Arn ?? roleArn(c);
      });
      // The functions need the role to exist, not its permissions (used only when they run): they
      // start once it is created (function step's startsAfterApply), while its policy is put. A run
      // stopped in between leaves a role that the next read finds without it, and that plan puts it.
      return {
        ...change,
        settle: async (c) => {
          await c.ports.iam.putRolePolicy(c.names.role, c.names.inlinePolicy, want.inlinePolicy);
        },
      };
    }
    const actual = observed.actual;
    // Other managed policies a user attached by hand are left alone; only the one earlier versions
    // attached is ours to remove.
    const ours = [basicExecutionPolicyArn(ctx.partition)];
    const actualForDiff = {
      ...actual,
      attached: actual.attached.filter((arn) => ours.includes(arn)),
      tags: Object.fromEntries(Object.keys(want.tags).map((k) => [k, actual.tags[k]])),
    };
    const diffs = diffFields(actualForDiff, want);
    if (diffs.length === 0) return noop('unchanged');
    return update(diffs, async (c) => {
      const { iam } = c.ports;
      const RoleName = c.names.role;
      const fields = new Set(diffs.map((d) => d.field));
      // One write at a time: IAM refuses concurrent changes to one role.
      if (fields.has('trustPolicy')) await iam.updateAssumeRolePolicy(RoleName, want.trustPolicy);
      if (fields.has('inlinePolicy')) await iam.putRolePolicy(RoleName, c.names.inlinePolicy, want.inlinePolicy);
      if (fields.has('tags')) await iam.tagRole(RoleName, want.tags);
      // Only once the inline policy carries the log permissions, so logging never lapses.
      if (fields.has('attached')) {
        for (const policyArn of actualForDiff.attached) await iam.detachRolePolicy(RoleName, policyArn);
      }
    });
  },

  destroy: (ctx, observed) =>
    destroyOwned(observed, async (actual) => {
      const { iam } = ctx.ports;
      const RoleName = ctx.names.role;
      const others = regionsOf(actual.tags).filter((r) => r !== ctx.region);
      if (others.length > 0) {
        // Functions of this stack in other regions still run under the role: only let go of ours.
        await iam.tagRole(RoleName, { [REGIONS_TAG]: regionsTag(others) });
        delete ctx.state.resources.roleArn;
        return { action: 'released', summary: `kept ${RoleName}: still used by this stack in ${others.join(', ')}` };
      }
      const inline = await iam.inlinePolicyNames(RoleName);
      // A role cannot be deleted while policies are attached or embedded. One write at a time.
      for (const policyArn of actual.attached) await iam.detachRolePolicy(RoleName, policyArn);
      for (const policyName of inline) await iam.deleteRolePolicy(RoleName, policyName);
      await iam.deleteRole(RoleName);
      delete ctx.state.resources.roleArn;
      return { action: 'deleted', summary: `deleted ${RoleName}` };
    }),
};
