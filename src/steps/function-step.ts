import type { FunctionConfiguration, GetFunctionResponse, Runtime, TracingMode } from '@aws-sdk/client-lambda';
import { grant } from '../core/permissions.js';
import { create, destroyOwned, diffFields, noop, update, type Change, type Step, type StepContext } from '../core/step.js';
import { FUNCTION_KINDS, type FunctionKind } from '../config/function-kinds.js';
import { HMAC_KEY_VARIABLE, handlerEnvironment, handlerSecrets, needsSecrets, redactEnvironment } from '../spec/handler-environment.js';
import { foreignReason, ownershipTags } from './ownership.js';
import { roleArn } from './role-step.js';

interface FunctionActual {
  arn: string;
  settings: Record<string, unknown>;
  codeSha256: string;
  tags: Record<string, string>;
  /** Still Pending after its creation, or its last update InProgress: what a run stopped a moment ago leaves. */
  unready?: 'create' | 'update';
}

/**
 * A new function is Pending, an updated one InProgress, for a while; Lambda says so in every
 * FunctionConfiguration it returns (CreateFunction's answer included), so a function reported
 * Active and not updating needs no polling. https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html
 */
function unready(conf: Pick<FunctionConfiguration, 'State' | 'LastUpdateStatus'>): 'create' | 'update' | undefined {
  if (conf.LastUpdateStatus === 'InProgress') return 'update';
  return conf.State === undefined || conf.State === 'Active' ? undefined : 'create';
}

const TITLES: Record<FunctionKind, string> = {
  'define-auth-challenge': 'Define-auth-challenge function',
  'create-auth-challenge': 'Create-auth-challenge function',
  'verify-auth-challenge': 'Verify-auth-challenge function',
  'pre-sign-up': 'Pre-sign-up function',
  'post-authentication': 'Post-authentication function',
};

export function functionArn(ctx: Pick<StepContext, 'partition' | 'region' | 'accountId' | 'names'>, kind: FunctionKind): string {
  return `arn:${ctx.partition}:lambda:${ctx.region}:${ctx.accountId}:function:${ctx.names.functions[kind]}`;
}

// A type alias, not an interface: diffFields compares it as a plain record.
type FunctionSettings = {
  Runtime: Runtime;
  Role: string;
  Handler: string;
  Timeout: number;
  MemorySize: number;
  Environment: Record<string, string>;
  TracingConfig: { Mode: TracingMode };
};

function desiredSettings(ctx: StepContext, kind: FunctionKind, handler: string): FunctionSettings {
  return {
    Runtime: ctx.config.lambda.runtime,
    Role: roleArn(ctx),
    Handler: handler,
    Timeout: ctx.config.lambda.timeoutSeconds,
    MemorySize: ctx.config.lambda.memoryMb,
    Environment: handlerEnvironment(kind, ctx.config, needsSecrets(kind) ? handlerSecrets(ctx) : undefined),
    TracingConfig: { Mode: ctx.config.monitoring.tracing ? 'Active' : 'PassThrough' },
  };
}

/** Once a function carries the secret, it is the stack's: record it (state is saved after the step). */
function recordSecret(ctx: StepContext, kind: FunctionKind, settings: FunctionSettings): void {
  const key = settings.Environment[HMAC_KEY_VARIABLE];
  if (needsSecrets(kind) && key) ctx.state.resources.handlerKey ??= key;
}

/** The settings as CreateFunction and UpdateFunctionConfiguration both take them. */
function configurationInput(s: FunctionSettings) {
  return { ...s, Environment: { Variables: s.Environment } };
}

function actualSettings(c: FunctionConfiguration): Record<string, unknown> {
  return {
    Runtime: c.Runtime,
    Role: c.Role,
    Handler: c.Handler,
    Timeout: c.Timeout,
    MemorySize: c.MemorySize,
    Environment: c.Environment?.Variables ?? {},
    // Lambda reports PassThrough when tracing was never set.
    TracingConfig: { Mode: c.TracingConfig?.Mode ?? 'PassThrough' },
  };
}

/**
 * GetFunction returns Tags "only if you have explicit allow permissions for lambda:ListTags", and
 * a TagsError otherwise (GetFunctionResponse): without them every function would look foreign.
 * Then ListTags answers, or names the permission that is missing.
 */
async function functionTags(ctx: StepContext, found: GetFunctionResponse): Promise<Record<string, string>> {
  if (found.Tags) return found.Tags;
  return ctx.ports.lambda.listTags(found.Configuration?.FunctionName, found.Configuration?.FunctionArn ?? '');
}

/** The ids of the five function steps, for the steps that wait for them. */
export const FUNCTION_STEP_IDS: readonly `function:${FunctionKind}`[] = FUNCTION_KINDS.map((kind) => `function:${kind}` as const);

export function functionStep<K extends FunctionKind>(kind: K): Step<FunctionActual, `function:${K}`> {
  const step: Step<FunctionActual, `function:${K}`> = {
    id: `function:${kind}`,
    title: TITLES[kind],
    // The log group must exist before Lambda creates one that never expires. Of the role and the log
    // groups only their creation is waited for, not what they settle (the role's policy, the
    // groups' retention): a function runs only once the pool invokes it, and up ends after both.
    dependsOn: ['role', 'log-groups'],
    startsAfterApply: ['role', 'log-groups'],
    independentRead: true,

    permissions(scope) {
      return [
        // GetFunction returns Tags only to callers explicitly allowed lambda:ListTags (GetFunctionResponse.Tags);
        // without them every function would look foreign. GetFunctionConfiguration: doctor and waiters.
        grant(
          [
            'lambda:GetFunction',
            'lambda:ListTags',
            'lambda:GetFunctionConfiguration',
            'lambda:CreateFunction',
            'lambda:TagResource',
            'lambda:UpdateFunctionCode',
            'lambda:UpdateFunctionConfiguration',
            'lambda:DeleteFunction',
          ],
          [functionArn(scope, kind)],
        ),
        // CreateFunction / UpdateFunctionConfiguration hand our role to Lambda.
        grant(['iam:PassRole'], [roleArn(scope)], { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } }),
      ];
    },

    async read(ctx) {
      const FunctionName = ctx.names.functions[kind];
      const found = await ctx.ports.lambda.getFunction(FunctionName);
      const conf = found?.Configuration;
      if (!found || !conf) return { status: 'absent' };
      const tags = await functionTags(ctx, found);
      const recordedArn = ctx.state.resources.functions?.[kind]?.arn;
      // Function ARNs were only ever recorded for functions that were ours.
      const foreign = foreignReason(
        ctx,
        'Lambda function',
        FunctionName,
        tags,
        recordedArn !== undefined && recordedArn === conf.FunctionArn,
        { untaggedOursWhenRecorded: true },
      );
      // With --adopt a foreign function becomes ours in this run.
      if (!foreign || ctx.adopt) {
        (ctx.state.resources.functions ??= {})[kind] = {
          arn: conf.FunctionArn ?? functionArn(ctx, kind),
          codeSha256: conf.CodeSha256 ?? '',
        };
        // A lost state file must not rotate the secret: that would forget every lockout.
        const deployedKey = conf.Environment?.Variables?.[HMAC_KEY_VARIABLE];
        if (needsSecrets(kind) && deployedKey && !ctx.state.resources.handlerKey) ctx.state.resources.handlerKey = deployedKey;
      } else {
        // Tagged with another stack id now: no longer ours, whatever an old record says.
        delete ctx.state.resources.functions?.[kind];
      }
      return {
        status: 'present',
        foreign,
        actual: {
          arn: conf.FunctionArn ?? '',
          settings: actualSettings(conf),
          codeSha256: conf.CodeSha256 ?? '',
          tags,
          unready: unready(conf),
        },
      };
    },

    plan(ctx, observed): Change {
      // Handlers are built before the runner starts; plan stays pure by reading the cached build.
      const built = ctx.builtHandlers?.[kind];
      if (!built) throw new Error(`handler ${kind} was not built before planning`);
      const settings = desiredSettings(ctx, kind, built.handler);
      const FunctionName = ctx.names.functions[kind];
      const tags = ownershipTags(ctx);
      // The user pool needs only the function's ARN (Step.startsAfterApply): it goes on while this
      // waits. AddPermission, which operates on the function, waits for this (the permissions step
      // depends on the functions): "wait for the function to become active before performing
      // additional actions that operate on the function" (functions-states.html).
      const untilReady = (after: 'create' | 'update') => async (c: StepContext) => {
        c.progress('waiting for the function to become active');
        await c.ports.lambda.waitUntilReady(FunctionName, after);
      };
      if (observed.status === 'absent') {
        let created: FunctionConfiguration | undefined;
        const change = create(`create ${FunctionName} (${ctx.config.lambda.runtime}, ${built.zip.length} bytes)`, async (c) => {
          recordSecret(c, kind, settings);
          created = await c.ports.lambda.createFunction(
            {
              FunctionName,
              ...configurationInput(settings),
              ZipFile: built.zip,
              Description: `otp-setup ${kind} trigger (${c.names.stackId})`,
              Tags: tags,
            },
            {
              onPropagationRetry: (attempt) => c.progress(`waiting for the new IAM role to propagate (retry ${attempt})`),
              // A retried CreateFunction whose first attempt succeeded: the function is there, tagged as ours.
              recoverLostCreate: async (found) => !foreignReason(c, 'Lambda function', FunctionName, await functionTags(c, found)),
            },
          );
          (c.state.resources.functions ??= {})[kind] = {
            arn: created.FunctionArn ?? functionArn(c, kind),
            codeSha256: created.CodeSha256 ?? built.codeSha256,
          };
        });
        return { ...change, settle: async (c) => (created && !unready(created) ? undefined : untilReady('create')(c)) };
      }
      const actual = observed.actual;
      // Compared (and shown) with the secret replaced by a fingerprint: plans are printed.
      const diffs = diffFields(
        {
          ...actual.settings,
          Environment: redactEnvironment(actual.settings.Environment as Record<string, unknown>),
          CodeSha256: actual.codeSha256,
          Tags: Object.fromEntries(Object.keys(tags).map((k) => [k, actual.tags[k]])),
        },
        { ...settings, Environment: redactEnvironment(settings.Environment), CodeSha256: built.codeSha256, Tags: tags },
      );
      // Left Pending or mid-update by a run stopped a moment ago: nothing to change, but dependents
      // that operate on the function wait until it is ready.
      if (diffs.length === 0) return actual.unready ? { ...noop('unchanged'), settle: untilReady(actual.unready) } : noop('unchanged');
      const fields = new Set(diffs.map((d) => d.field));
      const changesConfiguration = [...fields].some((f) => f !== 'CodeSha256' && f !== 'Tags');
      const changesFunction = fields.has('CodeSha256') || changesConfiguration;
      const change = update(diffs, async (c) => {
        const { lambda } = c.ports;
        if (fields.has('Tags')) await lambda.tagResource(FunctionName, actual.arn, tags);
        if (changesFunction) await lambda.waitUntilReady(FunctionName, 'update');
        if (fields.has('CodeSha256')) await lambda.updateFunctionCode(FunctionName, built.zip);
        if (changesConfiguration) {
          recordSecret(c, kind, settings);
          if (fields.has('CodeSha256')) await lambda.waitUntilReady(FunctionName, 'update');
          await lambda.updateFunctionConfiguration(
            { FunctionName, ...configurationInput(settings) },
            { onPropagationRetry: (n) => c.progress(`waiting for IAM to propagate (retry ${n})`) },
          );
        }
        (c.state.resources.functions ??= {})[kind] = { arn: actual.arn, codeSha256: built.codeSha256 };
      });
      return changesFunction ? { ...change, settle: untilReady('update') } : change;
    },

    destroy: (ctx, observed) =>
      destroyOwned(
        observed,
        async () => {
          const FunctionName = ctx.names.functions[kind];
          await ctx.ports.lambda.deleteFunction(FunctionName);
          delete ctx.state.resources.functions?.[kind];
          return { action: 'deleted', summary: `deleted ${FunctionName}` };
        },
        { forget: () => delete ctx.state.resources.functions?.[kind] },
      ),
  };
  return step;
}
