import type { Rule, WebACL } from '@aws-sdk/client-wafv2';
import { awsErrorName, call, callIgnoringAbsent, callOrAbsent } from '../aws/aws-errors.js';
import type { ResourceNames } from '../config/resource-names.js';
import { withBackoff } from '../core/backoff.js';
import { OtpError } from '../core/errors.js';
import { grant } from '../core/permissions.js';
import { diffFields, noop, type Change, type FieldDiff, type Step, type StepContext } from '../core/step.js';
import { foreignReason, ownershipTags, tagsFromList } from './ownership.js';
import { userPoolArns } from './user-pool-step.js';
import { sdk } from '../aws/sdk.js';

interface WafActual {
  acl: WebACL;
  lockToken: string;
  /** The web ACL's tags; absent when not read (the state file records it under our stack id). */
  tags?: Record<string, string>;
  /** ARN of the web ACL the user pool is associated with; null: none; undefined: the pool is not known yet. */
  poolAcl?: string | null;
}

/** A user pool is a regional resource: its web ACL must be REGIONAL (CLOUDFRONT is for distributions). */
const SCOPE = 'REGIONAL';

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

async function getAcl(ctx: StepContext, Id: string): Promise<{ acl: WebACL; lockToken: string } | undefined> {
  const waf = await ctx.aws.wafv2();
  const { GetWebACLCommand } = sdk('@aws-sdk/client-wafv2');
  const Name = wafAclName(ctx.names);
  const out = await callOrAbsent('wafv2:GetWebACL', Name, () => waf.send(new GetWebACLCommand({ Name, Scope: SCOPE, Id })));
  return out?.WebACL && out.LockToken ? { acl: out.WebACL, lockToken: out.LockToken } : undefined;
}

/** Web ACLs are found by id, not name: the id of ours comes from the state file, or from the list. */
async function findAclId(ctx: StepContext): Promise<string | undefined> {
  const waf = await ctx.aws.wafv2();
  const { ListWebACLsCommand } = sdk('@aws-sdk/client-wafv2');
  const Name = wafAclName(ctx.names);
  let NextMarker: string | undefined;
  do {
    const page = await call('wafv2:ListWebACLs', undefined, () =>
      waf.send(new ListWebACLsCommand({ Scope: SCOPE, Limit: 100, ...(NextMarker ? { NextMarker } : {}) })),
    );
    const found = page.WebACLs?.find((a) => a.Name === Name);
    if (found?.Id) return found.Id;
    // An empty page with a marker would loop for ever; AWS ends the list with no marker.
    NextMarker = page.WebACLs?.length ? page.NextMarker : undefined;
  } while (NextMarker);
  return undefined;
}

/**
 * The web ACL (`protection.waf`), found through the id the state file records or by name, its
 * tags, and which web ACL the user pool is associated with.
 */
export async function readWaf(
  ctx: StepContext,
): Promise<{ status: 'absent' } | { status: 'present'; actual: WafActual; foreign?: string }> {
  const waf = await ctx.aws.wafv2();
  const api = sdk('@aws-sdk/client-wafv2');
  const Name = wafAclName(ctx.names);
  const poolArn = poolArnOf(ctx);
  // The pool's association, asked in the same round trip as the web ACL itself.
  const forPool = poolArn
    ? callOrAbsent('wafv2:GetWebACLForResource', poolArn, () => waf.send(new api.GetWebACLForResourceCommand({ ResourceArn: poolArn })))
    : undefined;
  forPool?.catch(() => undefined); // awaited below
  const recorded = ctx.state.resources.waf;
  let found = recorded?.name === Name ? await getAcl(ctx, recorded.id) : undefined;
  if (!found) {
    const id = await findAclId(ctx);
    found = id ? await getAcl(ctx, id) : undefined;
  }
  if (!found?.acl.ARN) {
    await forPool;
    delete ctx.state.resources.waf;
    return { status: 'absent' };
  }
  const arn = found.acl.ARN;
  const isRecorded = recorded?.arn === arn;
  const tagged =
    isRecorded && trustRecord(ctx)
      ? undefined
      : await call('wafv2:ListTagsForResource', arn, () => waf.send(new api.ListTagsForResourceCommand({ ResourceARN: arn })));
  const tags = tagged ? tagsFromList(tagged.TagInfoForResource?.TagList) : undefined;
  const foreign = tags ? foreignReason(ctx, 'AWS WAF web ACL', Name, tags, isRecorded) : undefined;
  if (!foreign) ctx.state.resources.waf = { name: Name, id: found.acl.Id!, arn };
  const associated = forPool ? await forPool : undefined;
  return {
    status: 'present',
    actual: {
      ...found,
      ...(tags ? { tags } : {}),
      ...(forPool ? { poolAcl: associated?.WebACL?.ARN ?? null } : {}),
    },
    ...(foreign ? { foreign } : {}),
  };
}

/** WAF refuses a write made with a stale LockToken (WAFOptimisticLockException): read the new one and write again. */
async function withLockToken<T>(ctx: StepContext, id: string, first: string, write: (token: string) => Promise<T>): Promise<T> {
  let token = first;
  for (let attempt = 1; ; attempt++) {
    try {
      return await write(token);
    } catch (err) {
      const cause = (err as { cause?: unknown }).cause ?? err;
      if (awsErrorName(cause) !== 'WAFOptimisticLockException' || attempt >= 3) throw err;
      const fresh = await getAcl(ctx, id);
      if (!fresh) throw err;
      token = fresh.lockToken;
    }
  }
}

/**
 * "When you create a web ACL, there is a short period of time when the web ACL isn't fully
 * propagated and available to Amazon Cognito. The propagation time can be from a few seconds to
 * a number of minutes. AWS WAF returns a WAFUnavailableEntityException when you try to associate
 * a web ACL before it has completely propagated."
 * https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-waf.html
 * The SDK does not retry it; this does, for up to five minutes.
 */
async function associate(ctx: StepContext, aclArn: string, poolArn: string): Promise<void> {
  const waf = await ctx.aws.wafv2();
  const { AssociateWebACLCommand } = sdk('@aws-sdk/client-wafv2');
  const emulator = (ctx.aws.settings.endpoint ?? process.env.AWS_ENDPOINT_URL) !== undefined;
  await call('wafv2:AssociateWebACL', poolArn, () =>
    withBackoff(() => waf.send(new AssociateWebACLCommand({ WebACLArn: aclArn, ResourceArn: poolArn })), {
      retryable: (err) => awsErrorName(err) === 'WAFUnavailableEntityException',
      budgetMs: 300_000,
      ...(emulator ? { baseMs: 20, maxDelayMs: 100 } : { maxDelayMs: 5_000 }),
      onRetry: () => ctx.progress('waiting for the new web ACL to reach Cognito'),
    }),
  );
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
  const waf = await ctx.aws.wafv2();
  const api = sdk('@aws-sdk/client-wafv2');
  const arn = actual.acl.ARN!;
  const poolArn = poolArnOf(ctx);
  if (poolArn && actual.poolAcl === arn) {
    await callIgnoringAbsent('wafv2:DisassociateWebACL', poolArn, () =>
      waf.send(new api.DisassociateWebACLCommand({ ResourceArn: poolArn })),
    );
  }
  const Id = actual.acl.Id!;
  const Name = actual.acl.Name!;
  try {
    await withLockToken(ctx, Id, actual.lockToken, (LockToken) =>
      callIgnoringAbsent('wafv2:DeleteWebACL', Name, () => waf.send(new api.DeleteWebACLCommand({ Name, Scope: SCOPE, Id, LockToken }))),
    );
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause ?? err;
    if (awsErrorName(cause) !== 'WAFAssociatedItemException') throw err;
    throw new OtpError(
      'WAF_ACL_IN_USE',
      `The web ACL ${Name} still protects a resource other than this stack's user pool, so AWS refuses to delete it.`,
      {
        cause: err,
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
    // Off and never on: no call, and no WAF client to load. Teardown's destroy still looks.
    if (!ctx.config.protection.waf.enabled && ctx.state.steps.waf === undefined && !ctx.state.resources.waf) return { status: 'absent' };
    return readWaf(ctx);
  },

  plan(ctx, observed): Change {
    const name = wafAclName(ctx.names);
    const w = ctx.config.protection.waf;
    if (!w.enabled) {
      if (observed.status === 'absent') return noop('off (protection.waf.enabled is false)');
      return {
        kind: 'update',
        summary: `delete web ACL ${name} (protection.waf.enabled is false)`,
        diffs: [{ field: 'web ACL', actual: observed.actual.acl.ARN, desired: 'absent (protection.waf.enabled is false)' }],
        notes: [],
        apply: (c) => removeAcl(c, observed.actual),
      };
    }
    const limits = `${w.signInsPerIp} sign-ins and ${w.requestsPerIp} requests per IP per ${w.windowSeconds} s`;
    const tags = Object.entries(ownershipTags(ctx)).map(([Key, Value]) => ({ Key, Value }));
    if (observed.status === 'absent') {
      return {
        kind: 'create',
        summary: `create web ACL ${name} on the user pool (${limits})`,
        diffs: [],
        notes: [],
        apply: async (c) => {
          const waf = await c.aws.wafv2();
          const { CreateWebACLCommand } = sdk('@aws-sdk/client-wafv2');
          const out = await call('wafv2:CreateWebACL', name, () =>
            waf.send(
              new CreateWebACLCommand({
                Name: name,
                Scope: SCOPE,
                DefaultAction: { Allow: {} },
                Description: `otp-setup (${c.names.stackId}): per-IP rate limits on the user pool`,
                Rules: desiredRules(c),
                VisibilityConfig: visibility(name),
                Tags: tags,
              }),
            ),
          );
          const summary = out.Summary!;
          c.state.resources.waf = { name, id: summary.Id!, arn: summary.ARN! };
          const poolArn = poolArnOf(c);
          if (!poolArn) return;
          // A pool this run created has no web ACL; an existing one may have one that is not ours.
          if (c.facts.createdUserPoolId === undefined || !poolArn.endsWith(`/${c.facts.createdUserPoolId}`)) {
            const { GetWebACLForResourceCommand } = sdk('@aws-sdk/client-wafv2');
            const current = await callOrAbsent('wafv2:GetWebACLForResource', poolArn, () =>
              waf.send(new GetWebACLForResourceCommand({ ResourceArn: poolArn })),
            );
            const other = current?.WebACL?.ARN;
            if (other && other !== summary.ARN) throw foreignAssociation(poolArn, other);
          }
          await associate(c, summary.ARN!, poolArn);
        },
      };
    }
    const actual = observed.actual;
    const arn = actual.acl.ARN!;
    const diffs: FieldDiff[] = diffFields(observedFields(actual.acl), desiredFields(ctx));
    const rewrite = diffs.length > 0;
    const poolArn = poolArnOf(ctx);
    // poolAcl undefined: the pool is not there yet (plan before the first up), so it will be associated.
    const associateNeeded = actual.poolAcl !== arn;
    if (associateNeeded) diffs.push({ field: 'association', actual: actual.poolAcl ?? undefined, desired: poolArn ?? 'the user pool' });
    const want = ownershipTags(ctx);
    const retag = actual.tags !== undefined && Object.entries(want).some(([k, v]) => actual.tags![k] !== v);
    if (retag) diffs.push({ field: 'tags', actual: actual.tags, desired: want });
    if (diffs.length === 0) return noop(`unchanged (${limits})`);
    return {
      kind: 'update',
      summary: `update ${[...new Set(diffs.map((d) => d.field))].join(', ')}`,
      diffs,
      notes: [],
      apply: async (c) => {
        const waf = await c.aws.wafv2();
        const api = sdk('@aws-sdk/client-wafv2');
        if (retag) await call('wafv2:TagResource', arn, () => waf.send(new api.TagResourceCommand({ ResourceARN: arn, Tags: tags })));
        if (rewrite) {
          const acl = actual.acl;
          // UpdateWebACL replaces the whole web ACL: a setting left out is reset, so the ones we do not manage go back as they were.
          await withLockToken(c, acl.Id!, actual.lockToken, (LockToken) =>
            call('wafv2:UpdateWebACL', name, () =>
              waf.send(
                new api.UpdateWebACLCommand({
                  Name: name,
                  Scope: SCOPE,
                  Id: acl.Id!,
                  LockToken,
                  DefaultAction: { Allow: {} },
                  Description: acl.Description,
                  Rules: desiredRules(c),
                  VisibilityConfig: acl.VisibilityConfig ?? visibility(name),
                  ...kept(acl),
                }),
              ),
            ),
          );
        }
        const target = poolArnOf(c);
        if (associateNeeded && target) {
          if (typeof actual.poolAcl === 'string' && actual.poolAcl !== arn) throw foreignAssociation(target, actual.poolAcl);
          await associate(c, arn, target);
        }
      },
    };
  },

  async destroy(ctx) {
    // Looks even with the feature off: a lost state file may have forgotten a web ACL made earlier.
    const observed = await readWaf(ctx);
    if (observed.status === 'absent') return { action: 'absent', summary: 'none' };
    if (observed.foreign) return { action: 'kept', summary: `kept: ${observed.foreign}` };
    await removeAcl(ctx, observed.actual);
    return { action: 'deleted', summary: `deleted web ACL ${observed.actual.acl.Name}` };
  },
};
