import type { FunctionConfiguration, GetFunctionResponse, Runtime, TracingMode } from '@aws-sdk/client-lambda';
import { withBackoff } from '../../core/backoff.js';
import { awsErrorName, call, callIgnoringAbsent, callOrAbsent, isLostCreate, toUserError } from '../aws-errors.js';
import { pollDelays, type AwsClients } from '../clients.js';
import { sdk } from '../sdk.js';
import type { TagMap } from '../tags.js';

/** The settings CreateFunction and UpdateFunctionConfiguration both take. */
export interface FunctionSettingsInput {
  Runtime: Runtime;
  Role: string;
  Handler: string;
  Timeout: number;
  MemorySize: number;
  Environment: { Variables: Record<string, string> };
  TracingConfig: { Mode: TracingMode };
}

/** Called before each retry while IAM has not yet propagated a role or its policy to Lambda. */
export type OnPropagationRetry = (attempt: number) => void;

export interface InvokePermission {
  functionName: string;
  statementId: string;
  principal: string;
  sourceArn: string;
  sourceAccount: string;
}

/** The Lambda operations the steps use, with AWS's errors mapped to the user's. */
export interface LambdaPort {
  /** Undefined when there is no such function. */
  getFunction(functionName: string): Promise<GetFunctionResponse | undefined>;
  listTags(functionName: string | undefined, arn: string): Promise<TagMap>;
  /**
   * Retries while the new role is not yet assumable. When a retried CreateFunction finds the
   * function its first, lost attempt made, `recoverLostCreate` decides whether it is ours.
   */
  createFunction(
    input: FunctionSettingsInput & { FunctionName: string; ZipFile: Uint8Array; Description: string; Tags: TagMap },
    options: { onPropagationRetry: OnPropagationRetry; recoverLostCreate: (found: GetFunctionResponse) => Promise<boolean> },
  ): Promise<FunctionConfiguration>;
  updateFunctionCode(functionName: string, zip: Uint8Array): Promise<void>;
  updateFunctionConfiguration(
    input: FunctionSettingsInput & { FunctionName: string },
    options: { onPropagationRetry: OnPropagationRetry },
  ): Promise<void>;
  tagResource(functionName: string, arn: string, tags: TagMap): Promise<void>;
  /** Already deleted is success. */
  deleteFunction(functionName: string): Promise<void>;
  /**
   * A new function is Pending, and an updated one InProgress, for a while; meanwhile Lambda refuses
   * UpdateFunctionCode, UpdateFunctionConfiguration and invocations (ResourceConflictException).
   * https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html
   * Waits for State Active, and after an update also for LastUpdateStatus Successful. Callers wait
   * before every update (a function a previous, interrupted run left Pending included) and after
   * every create and update, so that `test-auth` or a second `up` right after finds it ready.
   */
  waitUntilReady(functionName: string, after: 'create' | 'update'): Promise<void>;
  /** The resource policy's JSON; undefined when the function has none (or there is no function). */
  getPolicy(functionName: string): Promise<string | undefined>;
  addPermission(permission: InvokePermission): Promise<void>;
  /** Already removed is success. */
  removePermission(functionName: string, statementId: string): Promise<void>;
}

/**
 * IAM is eventually consistent. Right after CreateRole, Lambda may not yet be able to assume the
 * role ("The role defined for the function cannot be assumed by Lambda."); right after the role's
 * policy gained X-Ray permissions, Lambda's check for them with tracing on may still fail ("The
 * provided execution role does not have permissions to call PutTraceSegments on XRAY",
 * serverless/serverless#6931). Both are InvalidParameterValueException and pass with time.
 */
export function iamNotYetPropagated(err: unknown): boolean {
  return (
    awsErrorName(err) === 'InvalidParameterValueException' &&
    /cannot be assumed|role defined for the function|execution role does not have permissions|PutTraceSegments/i.test(
      (err as Error).message ?? '',
    )
  );
}

export function lambdaPort(aws: AwsClients): LambdaPort {
  const api = () => sdk('@aws-sdk/client-lambda');

  function untilPropagated<T>(fn: () => Promise<T>, onPropagationRetry: OnPropagationRetry): Promise<T> {
    return withBackoff(fn, {
      retryable: iamNotYetPropagated,
      onRetry: (attempt) => {
        aws.stats.retries += 1;
        onPropagationRetry(attempt);
      },
    });
  }

  async function getFunction(FunctionName: string): Promise<GetFunctionResponse | undefined> {
    const lambda = await aws.lambda();
    return callOrAbsent('lambda:GetFunction', FunctionName, () => lambda.send(new (api().GetFunctionCommand)({ FunctionName })));
  }

  return {
    getFunction,
    async listTags(FunctionName, Resource) {
      const lambda = await aws.lambda();
      const out = await call('lambda:ListTags', FunctionName, () => lambda.send(new (api().ListTagsCommand)({ Resource })));
      return out.Tags ?? {};
    },
    async createFunction(input, options) {
      const lambda = await aws.lambda();
      const { ZipFile, ...rest } = input;
      return untilPropagated(
        () => lambda.send(new (api().CreateFunctionCommand)({ ...rest, Code: { ZipFile } })),
        options.onPropagationRetry,
      ).catch(async (err: unknown) => {
        // A retried CreateFunction whose first attempt succeeded: the function is there.
        if (isLostCreate(err, ['ResourceConflictException'])) {
          const FunctionName = input.FunctionName;
          const found = await call('lambda:GetFunction', FunctionName, () => lambda.send(new (api().GetFunctionCommand)({ FunctionName })));
          if (found.Configuration && (await options.recoverLostCreate(found))) return found.Configuration;
        }
        throw toUserError(err, 'lambda:CreateFunction', input.FunctionName);
      });
    },
    async updateFunctionCode(FunctionName, ZipFile) {
      const lambda = await aws.lambda();
      await call('lambda:UpdateFunctionCode', FunctionName, () =>
        lambda.send(new (api().UpdateFunctionCodeCommand)({ FunctionName, ZipFile })),
      );
    },
    async updateFunctionConfiguration(input, options) {
      const lambda = await aws.lambda();
      await untilPropagated(() => lambda.send(new (api().UpdateFunctionConfigurationCommand)(input)), options.onPropagationRetry).catch(
        (err: unknown) => {
          throw toUserError(err, 'lambda:UpdateFunctionConfiguration', input.FunctionName);
        },
      );
    },
    async tagResource(FunctionName, Resource, Tags) {
      const lambda = await aws.lambda();
      await call('lambda:TagResource', FunctionName, () => lambda.send(new (api().TagResourceCommand)({ Resource, Tags })));
    },
    async deleteFunction(FunctionName) {
      const lambda = await aws.lambda();
      await callIgnoringAbsent('lambda:DeleteFunction', FunctionName, () =>
        lambda.send(new (api().DeleteFunctionCommand)({ FunctionName })),
      );
    },
    async waitUntilReady(FunctionName, after) {
      const lambda = await aws.lambda();
      const { waitUntilFunctionActiveV2, waitUntilFunctionUpdatedV2 } = api();
      const options = { client: lambda, maxWaitTime: 300, ...pollDelays(aws.settings) };
      await call('lambda:GetFunction', FunctionName, async () => {
        await waitUntilFunctionActiveV2(options, { FunctionName });
        if (after === 'update') await waitUntilFunctionUpdatedV2(options, { FunctionName });
      });
    },
    async getPolicy(FunctionName) {
      const lambda = await aws.lambda();
      const out = await callOrAbsent('lambda:GetPolicy', FunctionName, () => lambda.send(new (api().GetPolicyCommand)({ FunctionName })));
      return out?.Policy;
    },
    async addPermission(p) {
      const lambda = await aws.lambda();
      await call('lambda:AddPermission', p.functionName, () =>
        lambda.send(
          new (api().AddPermissionCommand)({
            FunctionName: p.functionName,
            StatementId: p.statementId,
            Action: 'lambda:InvokeFunction',
            Principal: p.principal,
            SourceArn: p.sourceArn,
            SourceAccount: p.sourceAccount,
          }),
        ),
      );
    },
    async removePermission(FunctionName, StatementId) {
      const lambda = await aws.lambda();
      await callIgnoringAbsent('lambda:RemovePermission', FunctionName, () =>
        lambda.send(new (api().RemovePermissionCommand)({ FunctionName, StatementId })),
      );
    },
  };
}
