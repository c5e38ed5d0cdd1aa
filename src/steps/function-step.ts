import type { FunctionConfiguration, Runtime, TracingMode } from '@aws-sdk/client-lambda';
import { awsErrorName, call, callIgnoringAbsent, callOrAbsent, isLostCreate, toUserError } from '../aws/aws-errors.js';
import { withBackoff } from '../core/backoff.js';
import { diffFields, noop, update, type Change, type Step, type StepContext } from '../core/step.js';
import type { FunctionKind } from '../package/build-handlers.js';
import { handlerEnvironment } from './handler-environment.js';
import { foreignReason, ownershipTags } from './ownership.js';
import { roleArn } from './role-step.js';
import { sdk } from '../aws/sdk.js';

interface FunctionActual {
  arn: string;
  settings: Record<string, unknown>;
  codeSha256: string;
  tags: Record<string, string>;
}

const TITLES: Record<FunctionKind, string> = {
  'define-auth-challenge': 'Define-auth-challenge function',
  'create-auth-challenge': 'Create-auth-challenge function',
  'verify-auth-challenge': 'Verify-auth-challenge function',
  'pre-sign-up': 'Pre-sign-up function',
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
    Runtime: ctx.config.lambda.runtime as Runtime,
    Role: roleArn(ctx),
    Handler: handler,
    Timeout: ctx.config.lambda.timeoutSeconds,
    MemorySize: ctx.config.lambda.memoryMb,
    Environment: handlerEnvironment(kind, ctx.config),
    TracingConfig: { Mode: ctx.config.monitoring.tracing ? 'Active' : 'PassThrough' },
  };
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

/** Right after CreateRole, Lambda may not yet be able to assume it (IAM is eventually consistent). */
function roleNotYetAssumable(err: unknown): boolean {
  return awsErrorName(err) === 'InvalidParameterValueException' && /cannot be assumed|role defined for the function/i.test((err as Error).message ?? '');
}

async function waitUntilUpdated(ctx: StepContext, FunctionName: string): Promise<void> {
  // Lambda rejects a second update while LastUpdateStatus is InProgress (ResourceConflictException).
  const lambda = await ctx.aws.lambda();
  const { waitUntilFunctionUpdatedV2 } = sdk('@aws-sdk/client-lambda');
  await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 120, minDelay: 1, maxDelay: 5 }, { FunctionName });
}

export function functionStep(kind: FunctionKind): Step<FunctionActual> {
  const step: Step<FunctionActual> = {
    id: `function:${kind}`,
    title: TITLES[kind],
    // The log group must exist (with its retention) before Lambda creates one that never expires.
    dependsOn: ['role', 'log-groups'],
    independentRead: true,

    async read(ctx) {
      const lambda = await ctx.aws.lambda();
      const { GetFunctionCommand } = sdk('@aws-sdk/client-lambda');
      const FunctionName = ctx.names.functions[kind];
      const found = await callOrAbsent('lambda:GetFunction', FunctionName, () => lambda.send(new GetFunctionCommand({ FunctionName })));
      const conf = found?.Configuration;
      if (!conf) return { status: 'absent' };
      const tags = found.Tags ?? {};
      const recordedArn = ctx.state.resources.functions?.[kind]?.arn;
      // Function ARNs were only ever recorded for functions that were ours.
      const foreign = foreignReason(ctx, 'Lambda function', FunctionName, tags, recordedArn !== undefined && recordedArn === conf.FunctionArn, { untaggedOursWhenRecorded: true });
      // With --adopt a foreign function becomes ours in this run.
      if (!foreign || ctx.adopt) {
        (ctx.state.resources.functions ??= {})[kind] = { arn: conf.FunctionArn ?? functionArn(ctx, kind), codeSha256: conf.CodeSha256 ?? '' };
      } else {
        // Tagged with another stack id now: no longer ours, whatever an old record says.
        delete ctx.state.resources.functions?.[kind];
      }
      return { status: 'present', foreign, actual: { arn: conf.FunctionArn ?? '', settings: actualSettings(conf), codeSha256: conf.CodeSha256 ?? '', tags } };
    },

    plan(ctx, observed): Change {
      // Handlers are built before the runner starts; plan stays pure by reading the cached build.
      const built = ctx.builtHandlers?.[kind];
      if (!built) throw new Error(`handler ${kind} was not built before planning`);
      const settings = desiredSettings(ctx, kind, built.handler);
      const FunctionName = ctx.names.functions[kind];
      const tags = ownershipTags(ctx);
      if (observed.status === 'absent') {
        return {
          kind: 'create',
          summary: `create ${FunctionName} (${ctx.config.lambda.runtime}, ${built.zip.length} bytes)`,
          diffs: [],
          notes: [],
          apply: async (c) => {
            const lambda = await c.aws.lambda();
            const { CreateFunctionCommand } = sdk('@aws-sdk/client-lambda');
            const created = await withBackoff(
              () =>
                lambda.send(
                  new CreateFunctionCommand({
                    FunctionName,
                    ...configurationInput(settings),
                    Code: { ZipFile: built.zip },
                    Description: `otp-setup ${kind} trigger (${c.names.stackId})`,
                    Tags: tags,
                  }),
                ),
              {
                retryable: roleNotYetAssumable,
                onRetry: (attempt) => {
                  c.aws.stats.retries += 1;
                  c.progress(`waiting for the new IAM role to propagate (retry ${attempt})`);
                },
              },
            ).catch(async (err: unknown) => {
              // A retried CreateFunction whose first attempt succeeded: the function is there, tagged as ours.
              if (isLostCreate(err, ['ResourceConflictException'])) {
                const { GetFunctionCommand } = sdk('@aws-sdk/client-lambda');
                const found = await call('lambda:GetFunction', FunctionName, () => lambda.send(new GetFunctionCommand({ FunctionName })));
                if (found.Configuration && !foreignReason(c, 'Lambda function', FunctionName, found.Tags)) return found.Configuration;
              }
              throw toUserError(err, 'lambda:CreateFunction', FunctionName);
            });
            (c.state.resources.functions ??= {})[kind] = { arn: created.FunctionArn ?? functionArn(c, kind), codeSha256: created.CodeSha256 ?? built.codeSha256 };
          },
        };
      }
      const actual = observed.actual;
      const diffs = diffFields(
        { ...actual.settings, CodeSha256: actual.codeSha256, Tags: Object.fromEntries(Object.keys(tags).map((k) => [k, actual.tags[k]])) },
        { ...settings, CodeSha256: built.codeSha256, Tags: tags },
      );
      if (diffs.length === 0) return noop('unchanged');
      const fields = new Set(diffs.map((d) => d.field));
      return update(diffs, async (c) => {
        const lambda = await c.aws.lambda();
        const api = sdk('@aws-sdk/client-lambda');
        if (fields.has('Tags')) {
          await call('lambda:TagResource', FunctionName, () => lambda.send(new api.TagResourceCommand({ Resource: actual.arn, Tags: tags })));
        }
        if (fields.has('CodeSha256')) {
          await call('lambda:UpdateFunctionCode', FunctionName, () => lambda.send(new api.UpdateFunctionCodeCommand({ FunctionName, ZipFile: built.zip })));
        }
        if ([...fields].some((f) => f !== 'CodeSha256' && f !== 'Tags')) {
          if (fields.has('CodeSha256')) await waitUntilUpdated(c, FunctionName);
          await withBackoff(
            () =>
              lambda.send(
                new api.UpdateFunctionConfigurationCommand({ FunctionName, ...configurationInput(settings) }),
              ),
            {
              retryable: roleNotYetAssumable,
              onRetry: (n) => {
                c.aws.stats.retries += 1;
                c.progress(`waiting for IAM to propagate (retry ${n})`);
              },
            },
          ).catch((err: unknown) => {
            throw toUserError(err, 'lambda:UpdateFunctionConfiguration', FunctionName);
          });
        }
        (c.state.resources.functions ??= {})[kind] = { arn: actual.arn, codeSha256: built.codeSha256 };
      });
    },

    async destroy(ctx) {
      const observed = await step.read(ctx);
      const FunctionName = ctx.names.functions[kind];
      if (observed.status === 'absent') {
        delete ctx.state.resources.functions?.[kind];
        return { action: 'absent', summary: 'already gone' };
      }
      if (observed.foreign) return { action: 'kept', summary: `kept: ${observed.foreign}` };
      const lambda = await ctx.aws.lambda();
      const { DeleteFunctionCommand } = sdk('@aws-sdk/client-lambda');
      await callIgnoringAbsent('lambda:DeleteFunction', FunctionName, () => lambda.send(new DeleteFunctionCommand({ FunctionName })));
      delete ctx.state.resources.functions?.[kind];
      return { action: 'deleted', summary: `deleted ${FunctionName}` };
    },
  };
  return step;
}
