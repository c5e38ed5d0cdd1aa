import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import type { UserPoolClientType, UserPoolType } from '@aws-sdk/client-cognito-identity-provider';
import { callOrAbsent } from '../aws/aws-errors.js';
import { memo, memoBy } from '../core/memo.js';
import type { StepContext } from '../core/step.js';
import type { FunctionKind } from '../config/function-kinds.js';
import { appClientStep } from '../steps/app-client-step.js';
import { functionPolicy, type PolicyStatement } from '../steps/permissions-step.js';
import { userPoolStep } from '../steps/user-pool-step.js';
import { sdk } from '../aws/sdk.js';

/** Reads shared by several checks, each made once (memoized) and read-only. */
export interface DoctorLookups {
  pool(): Promise<UserPoolType | undefined>;
  client(): Promise<UserPoolClientType | undefined>;
  functionConfig(kind: FunctionKind): Promise<FunctionConfiguration | undefined>;
  policy(kind: FunctionKind): Promise<PolicyStatement[] | undefined>;
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
      return callOrAbsent('lambda:GetFunctionConfiguration', FunctionName, () =>
        lambda.send(new GetFunctionConfigurationCommand({ FunctionName })),
      );
    }),
    policy: memoBy((kind: FunctionKind) => functionPolicy(ctx, kind)),
  };
}
