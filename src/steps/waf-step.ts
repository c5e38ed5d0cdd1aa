import type { Rule, WebACL } from '@aws-sdk/client-wafv2';
import type { ResourceNames } from '../config/resource-names.js';
import { OtpError } from '../core/errors.js';
import { grant } from '../core/permissions.js';
import { create, destroyOwned, diffFields, noop, update, type Change, type FieldDiff, type Step, type StepContext } from '../core/step.js';
import { foreignReason, ownershipTags } from './ownership.js';
import { userPoolArns } from './user-pool-step.js';

interface WafActual {
  acl: WebACL;
  lockToken: string;
  /** The web ACL's tags; absent when not read (the state file records it under our stack id). */
  tags?: Record<string, string>;
  /** ARN of the web ACL the user pool is associated with; null: none; undefined: the pool is not known yet. */
  poolAcl?: string | null;
}

/**
 * Cognito sends the API operation in the X-Amz-Target header, which WAF can match ("configure your
 * web ACL rules to match on session data in the headers, path, and body like IP addresses, browser
 * agents, and requested API operations": https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-waf.html).
 * These two start an emailed code (InitiateAuth) or an account (SignUp).
 */
export const SIGN_IN_TARGETS = ['AWSCognitoIdentityProviderService.InitiateAuth', 'AWSCognitoIdentityProviderService.SignUp'] as const;

export function wafAclName(names: Pick<ResourceNames, 'stackId'>): string {
  return `${names.stackId}-user-pool`;
}

/** Our web ACL's ARN pattern: the id part is random, so "*" stands for it. */
export function wafAclArns(scope: Pick<StepContext, 'partition' | 'region' | 'accountId' | 'names'>): string[] {
  return [`arn:${scope.partition}:wafv2:${scope.region}:${scope.accountId}:regional/webacl/${wafAclName(scope.names)}/*`];
}

function poolArnOf(ctx: StepContext): string | undefined {
  const id = ctx.state.resources.userPoolId;
  return ctx.facts.userPoolArn ?? (id ? `arn:${ctx.partition}:cognito-idp:${ctx.region}:${ctx.accountId}:userpool/${id}` : undefined);
}

function visibility(metric: string) {
  return { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: metric };
}

function headerIs(value: string) {
  return {
    ByteMatchStatement: {
      SearchString: new TextEncoder().encode(value),
      FieldToMatch: { SingleHeader: { Name: 'x-amz-target' } },
      TextTransformations: [{ Priority: 0, Type: 'NONE' as const }],
      PositionalConstraint: 'EXACTLY' as const,
    },
  };
}

/** Two rate-based rules, each counting per client IP address: sign-in starts and sign-ups, and every request. */
export function desiredRules(ctx: Pick<StepContext, 'config' | 'names'>): Rule[] {
  const w = ctx.config.protection.waf;
  const rule = (name: string, priority: number, limit: number, scopeDown?: Rule['Statement']): Rule => ({
    Name: name,
    Priority: priority,
    Action: { Block: {} },
    Statement: {
      RateBasedStatement: {
        Limit: limit,
        EvaluationWindowSec: w.windowSeconds,
        AggregateKeyType: 'IP',
        ...(scopeDown ? { ScopeDownStatement: scopeDown } : {}),
      },
    },
    VisibilityConfig: visibility(`${ctx.names.stackId}-${name}`),
  });
  return [
    rule('sign-ins-per-ip', 0, w.signInsPerIp, { OrStatement: { Statements: SIGN_IN_TARGETS.map(headerIs) } }),
    rule('requests-per-ip', 1, w.requestsPerIp),
  ];
}

/** What we compare of a rule: its limit, window, key, action and which operations it counts. */
function ruleShape(r: Rule): Record<string, unknown> {
  const rate = r.Statement?.RateBasedStatement;
  const down = rate?.ScopeDownStatement;
  const matches = down?.OrStatement?.Statements ?? (down ? [down] : []);
  const decode = (v: unknown) => (v instanceof Uint8Array ? new TextDecoder().decode(v) : String(v));
  return {
    Name: r.Name,
    Priority: r.Priority,
    Action: Object.keys(r.Action ?? {})[0],
    Limit: rate?.Limit,
    // "Default: 300 (5 minutes)" (RateBasedStatement): an answer without it means 300.
    EvaluationWindowSec: rate ? (rate.EvaluationWindowSec ?? 300) : undefined,
    AggregateKeyType: rate?.AggregateKeyType,
    Counts: matches.map((m) => {
      const b = m.ByteMatchStatement;
      return b ? `${b.FieldToMatch?.SingleHeader?.Name ?? '?'} ${b.PositionalConstraint} ${decode(b.SearchString)}` : 'other';
    }),
  };
}

function observedFields(acl: WebACL): Record<string, unknown> {
  return {
    DefaultAction: Object.keys(acl.DefaultAction ?? {})[0],
    Rules: [...(acl.Rules ?? [])].sort((a, b) => (a.Priority ?? 0) - (b.Priority ?? 0)).map(ruleShape),
  };
}

function desiredFields(ctx: StepContext): Record<string, unknown> {
  return { DefaultAction: 'Allow', Rules: desiredRules(ctx).map(ruleShape) };
}

/** The web ACL's settings otp-setup does not manage, as they are (null and absent ones left out). */
function kept(acl: WebACL): Partial<WebACL> {
  const keys = ['CustomResponseBodies', 'CaptchaConfig', 'ChallengeConfig', 'TokenDomains', 'AssociationConfig'] as const;
  return Object.fromEntries(keys.filter((k) => acl[k] !== undefined && acl[k] !== null).map((k) => [k, acl[k]]));
}

/** Recorded under the stack id the state names: tagged with it, no need to read the tags. */
function trustRecord(ctx: StepContext): boolean {
  return ctx.config.stackId !== undefined && ctx.state.identity === ctx.config.stackId;
}

/**
 * The web ACL (`protection.waf`), found through the id the state file records or by name, its
 * tags, and which web ACL the user pool is associated with.
 */
export async function readWaf(
  ctx: StepContext,
): Promise<{ status: 'absent' } | { status: 'present'; actual: WafActual; foreign?: string }> {
  const { wafv2 } = ctx.ports;
  const Name = wafAclName(ctx.names);
  const poolArn = poolArnOf(ctx);
  // The pool's association, asked in the same round trip as the web ACL itself.
  const forPool = poolArn ? wafv2.webAclArnFor(poolArn) : undefined;
  forPool?.catch(() => undefined); // awaited below
  const recorded = ctx.state.resources.waf;
  // Web ACLs are found by id, not name: the id of ours comes from the state file, or from the list.
  let found = recorded?.name === Name ? await wafv2.getWebAcl(Name, recorded.id) : undefined;
  if (!found) {
    const id = await wafv2.webAclIdNamed(Name);
    found = id ? await wafv2.getWebAcl(Name, id) : undefined;
  }
  if (!found?.acl.ARN) {
    await forPool;
    delete ctx.state.resources.waf;
    return { status: 'absent' };
  }
  const arn = found.acl.ARN;
  const isRecorded = recorded?.arn === arn;
  const tags = isRecorded && trustRecord(ctx) ? undefined : await wafv2.tagsOf(arn);
  const foreign = tags ? foreignReason(ctx, 'AWS WAF web ACL', Name, tags, isRecorded) : undefined;
  if (!foreign) ctx.state.resources.waf = { name: Name, id: found.acl.Id!, arn };
  const associated = forPool ? await forPool : undefined;
  return {
    status: 'present',
    actual: {
      ...found,
      ...(tags ? { tags } : {}),
      ...(forPool ? { poolAcl: associated ?? null } : {}),
    },
    ...(foreign ? { foreign } : {}),
  };
}

/** Associates the web ACL with the pool, waiting while it propagates to Cognito. */
async function associate(ctx: StepContext, aclArn: string, poolArn: string): Promise<void> {
  await ctx.ports.wafv2.associateWebAcl(aclArn, poolArn, () => ctx.progress('waiting for the new web ACL to reach Cognito'));
}

function foreignAssociation(poolArn: string, other: string): OtpError {
  return new OtpError(
    'WAF_FOREIGN_ASSOCIATION',
    `The user pool ${poolArn.split('/').pop()} is already protected by another web ACL (${other}); a pool takes one web ACL, and otp-setup does not replace one it did not make.`,
    {
      resolution:
        'Either add rate-based rules to that web ACL yourself and set protection.waf.enabled to false, or disassociate it ("aws wafv2 disassociate-web-acl --resource-arn <pool ARN>") and run the command again.',
    },
  );
}

/** Disassociates our web ACL from the pool, then deletes it ("Before deleting any web ACL, first disassociate it from all resources", DeleteWebACL). */
async function removeAcl(ctx: StepContext, actual: WafActual): Promise<void> {
  const { wafv2 } = ctx.ports;
  const arn = actual.acl.ARN!;
  const poolArn = poolArnOf(ctx);
  if (poolArn && actual.poolAcl === arn) await wafv2.disassociateWebAcl(poolArn);
  const Name = actual.acl.Name!;
  if (!(await wafv2.deleteWebAcl(Name, actual.acl.Id!, actual.lockToken))) {
    throw new OtpError(
      'WAF_ACL_IN_USE',
      `The web ACL ${Name} still protects a resource other than this stack's user pool, so AWS refuses to delete it.`,
      {
        resolution: `List what it protects ("aws wafv2 list-resources-for-web-acl --web-acl-arn ${arn}"), disassociate those resources, then run the command again.`,
      },
    );
  }
  delete ctx.state.resources.waf;
}

/**
 * Optional edge protection (`protection.waf`): an AWS WAF web ACL on the user pool with per-IP
 * rate-based rules. The triggers see only the address a code goes to; WAF sees the caller's IP
 * address, so one client cannot spray sign-ins across many addresses. Off by default: a web ACL
 * is billed per month, per rule and per request.
 */
export const wafStep: Step<WafActual, 'waf'> = {
  id: 'waf',
  title: 'WAF web ACL',
  dependsOn: ['user-pool'],
  // On a re-run the recorded pool id names the pool, so the read need not wait for the pool step.
  speculativeRead: true,

  permissions(scope) {
    const acl = wafAclArns(scope);
    const pools = userPoolArns(scope);
    // Teardown (and an up after the feature was switched off) look for the web ACL and remove it.
    // Associating needs permission on both sides: WAF's action and the protected resource's own
    // (cognito-idp:AssociateWebACL and friends), https://docs.aws.amazon.com/waf/latest/developerguide/security_iam_service-with-iam.html
    // ListWebACLs has no resource type (Service Authorization Reference, list_awswafv2).
    // One resource list for every wafv2 action (our web ACL and the pools), so they share one
    // statement: the whole policy must fit a managed policy's 6,144 characters.
    const both = [...acl, ...pools];
    const grants = [
      grant(['wafv2:ListWebACLs'], ['*']),
      grant(
        ['wafv2:GetWebACL', 'wafv2:ListTagsForResource', 'wafv2:DeleteWebACL', 'wafv2:GetWebACLForResource', 'wafv2:DisassociateWebACL'],
        both,
      ),
      grant(['cognito-idp:GetWebACLForResource', 'cognito-idp:DisassociateWebACL'], pools),
    ];
    // CreateWebACL with Tags also needs wafv2:TagResource.
    if (scope.config.protection.waf.enabled) {
      grants.push(
        grant(['wafv2:CreateWebACL', 'wafv2:UpdateWebACL', 'wafv2:TagResource', 'wafv2:AssociateWebACL'], both),
        grant(['cognito-idp:AssociateWebACL'], pools),
      );
    }
    return grants;
  },

  async read(ctx) {
    // Off and never on: no call, and no WAF client to load. Teardown still looks (readForTeardown).
    if (!ctx.config.protection.waf.enabled && ctx.state.steps.waf === undefined && !ctx.state.resources.waf) return { status: 'absent' };
    return readWaf(ctx);
  },

  plan(ctx, observed): Change {
    const name = wafAclName(ctx.names);
    const w = ctx.config.protection.waf;
    if (!w.enabled) {
      if (observed.status === 'absent') return noop('off (protection.waf.enabled is false)');
      return update(
        [{ field: 'web ACL', actual: observed.actual.acl.ARN, desired: 'absent (protection.waf.enabled is false)' }],
        (c) => removeAcl(c, observed.actual),
        `delete web ACL ${name} (protection.waf.enabled is false)`,
      );
    }
    const limits = `${w.signInsPerIp} sign-ins and ${w.requestsPerIp} requests per IP per ${w.windowSeconds} s`;
    const tags = ownershipTags(ctx);
    if (observed.status === 'absent') {
      return create(`create web ACL ${name} on the user pool (${limits})`, async (c) => {
        const created = await c.ports.wafv2.createWebAcl(
          {
            Name: name,
            DefaultAction: { Allow: {} },
            Description: `otp-setup (${c.names.stackId}): per-IP rate limits on the user pool`,
            Rules: desiredRules(c),
            VisibilityConfig: visibility(name),
          },
          tags,
        );
        c.state.resources.waf = { name, id: created.id, arn: created.arn };
        const poolArn = poolArnOf(c);
        if (!poolArn) return;
        // A pool this run created has no web ACL; an existing one may have one that is not ours.
        if (c.facts.createdUserPoolId === undefined || !poolArn.endsWith(`/${c.facts.createdUserPoolId}`)) {
          const other = await c.ports.wafv2.webAclArnFor(poolArn);
          if (other && other !== created.arn) throw foreignAssociation(poolArn, other);
        }
        await associate(c, created.arn, poolArn);
      });
    }
    const actual = observed.actual;
    const arn = actual.acl.ARN!;
    const diffs: FieldDiff[] = diffFields(observedFields(actual.acl), desiredFields(ctx));
    const rewrite = diffs.length > 0;
    const poolArn = poolArnOf(ctx);
    // poolAcl undefined: the pool is not there yet (plan before the first up), so it will be associated.
    const associateNeeded = actual.poolAcl !== arn;
    if (associateNeeded) diffs.push({ field: 'association', actual: actual.poolAcl ?? undefined, desired: poolArn ?? 'the user pool' });
    const retag = actual.tags !== undefined && Object.entries(tags).some(([k, v]) => actual.tags![k] !== v);
    if (retag) diffs.push({ field: 'tags', actual: actual.tags, desired: tags });
    if (diffs.length === 0) return noop(`unchanged (${limits})`);
    return update(diffs, async (c) => {
      const { wafv2 } = c.ports;
      if (retag) await wafv2.tagResource(arn, tags);
      if (rewrite) {
        const acl = actual.acl;
        // UpdateWebACL replaces the whole web ACL: a setting left out is reset, so the ones we do not manage go back as they were.
        await wafv2.updateWebAcl(
          {
            Name: name,
            Id: acl.Id!,
            DefaultAction: { Allow: {} },
            Description: acl.Description,
            Rules: desiredRules(c),
            VisibilityConfig: acl.VisibilityConfig ?? visibility(name),
            ...kept(acl),
          },
          actual.lockToken,
        );
      }
      const target = poolArnOf(c);
      if (associateNeeded && target) {
        if (typeof actual.poolAcl === 'string' && actual.poolAcl !== arn) throw foreignAssociation(target, actual.poolAcl);
        await associate(c, arn, target);
      }
    });
  },

  // Teardown looks even with the feature off (readWaf, not read): a lost state file may have forgotten a web ACL made earlier.
  readForTeardown: readWaf,

  destroy: (ctx, observed) =>
    destroyOwned(
      observed,
      async (actual) => {
        await removeAcl(ctx, actual);
        return { action: 'deleted', summary: `deleted web ACL ${actual.acl.Name}` };
      },
      { summary: 'none' },
    ),
};
