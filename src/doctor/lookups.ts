import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import type { UserPoolClientType, UserPoolType } from '@aws-sdk/client-cognito-identity-provider';
import { callOrAbsent } from '../aws/aws-errors.js';
import type { StepContext } from '../core/step.js';
import type { FunctionKind } from '../package/build-handlers.js';
import { appClientStep } from '../steps/app-client-step.js';
import { userPoolStep } from '../steps/user-pool-step.js';
import { sdk } from '../aws/sdk.js';

export interface PolicyStatement {
  Sid?: string;
  Effect?: string;
  Principal?: { Service?: string } | string;
  Action?: string | string[];
  Condition?: Record<string, Record<string, string>>;
}

/** Reads shared by several checks, each made once (memoized) and read-only. */
export interface DoctorLookups {
  pool(): Promise<UserPoolType | undefined>;
  client(): Promise<UserPoolClientType | undefined>;
  functionConfig(kind: FunctionKind): Promise<FunctionConfiguration | undefined>;
  policy(kind: FunctionKind): Promise<PolicyStatement[] | undefined>;
}

function memo<T>(factory: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= factory());
}

function memoBy<K extends string, T>(factory: (key: K) => Promise<T>): (key: K) => Promise<T> {
  const values = new Map<K, Promise<T>>();
  return (key) => {
    let value = values.get(key);
    if (!value) values.set(key, (value = factory(key)));
    return value;
  };
}

export function doctorLookups(ctx: StepContext): DoctorLookups {
  // The steps' own reads find resources exactly as up does (state id first, then name + tag).
  const pool = memo(async () => {
    const observed = await userPoolStep.read(ctx);
    return observed.status === 'present' && !observed.foreign ? observed.actual.pool : undefined;
  });
  return {
    pool,
    client: memo(async () => {
      if (!(await pool())) return undefined;
      const observed = await appClientStep.read(ctx);
      return observed.status === 'present' ? observed.actual.client : undefined;
    }),
    functionConfig: memoBy(async (kind: FunctionKind) => {
      const lambda = await ctx.aws.lambda();
      const { GetFunctionConfigurationCommand } = sdk('@aws-sdk/client-lambda');
      const FunctionName = ctx.names.functions[kind];
      return callOrAbsent('lambda:GetFunctionConfiguration', FunctionName, () => lambda.send(new GetFunctionConfigurationCommand({ FunctionName })));
    }),
    policy: memoBy(async (kind: FunctionKind) => {
      const lambda = await ctx.aws.lambda();
      const { GetPolicyCommand } = sdk('@aws-sdk/client-lambda');
      const FunctionName = ctx.names.functions[kind];
      const out = await callOrAbsent('lambda:GetPolicy', FunctionName, () => lambda.send(new GetPolicyCommand({ FunctionName })));
      if (!out?.Policy) return undefined;
      return (JSON.parse(out.Policy) as { Statement?: PolicyStatement[] }).Statement ?? [];
    }),
  };
}
