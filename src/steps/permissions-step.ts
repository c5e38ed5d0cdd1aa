import { grant } from '../core/permissions.js';
import { createOrUpdate, sameValue, noop, type Change, type FieldDiff, type Step, type StepContext } from '../core/step.js';
import { FUNCTION_KINDS, type FunctionKind } from '../config/function-kinds.js';
import { FUNCTION_STEP_IDS, functionArn } from './function-step.js';

export const STATEMENT_ID = 'otp-setup-cognito-trigger';

/** A statement of a function's resource policy, as GetPolicy returns it (JSON in a string). */
export interface PolicyStatement {
  Sid?: string;
  Effect?: string;
  Principal?: { Service?: string } | string;
  Action?: string | string[];
  Condition?: Record<string, Record<string, string>>;
}

type PermissionsActual = Partial<Record<FunctionKind, PolicyStatement>>;

/** The statements of a function's resource policy; undefined when it has no policy (or no function). */
export async function functionPolicy(ctx: StepContext, kind: FunctionKind): Promise<PolicyStatement[] | undefined> {
  const policy = await ctx.ports.lambda.getPolicy(ctx.names.functions[kind]);
  if (!policy) return undefined;
  return (JSON.parse(policy) as { Statement?: PolicyStatement[] }).Statement ?? [];
}

/** Only our user pool, in our account, may invoke the triggers (the guide omits SourceAccount). */
function desiredStatement(ctx: StepContext): { principal: string; sourceArn: string; sourceAccount: string } {
  return { principal: 'cognito-idp.amazonaws.com', sourceArn: ctx.facts.userPoolArn ?? '', sourceAccount: ctx.accountId };
}

function summarize(statement: PolicyStatement | undefined): Record<string, unknown> | undefined {
  if (!statement) return undefined;
  return {
    principal: typeof statement.Principal === 'object' ? statement.Principal.Service : undefined,
    sourceArn: statement.Condition?.ArnLike?.['AWS:SourceArn'],
    sourceAccount: statement.Condition?.StringEquals?.['AWS:SourceAccount'],
  };
}

export const permissionsStep: Step<PermissionsActual, 'permissions'> = {
  id: 'permissions',
  title: 'Invoke permissions for Cognito',
  // AddPermission operates on the function, which must be Active first: the functions' steps are
  // done (settled) only then, while the user pool goes on once they exist (Step.startsAfterApply).
  dependsOn: ['user-pool', ...FUNCTION_STEP_IDS],
  independentRead: true,

  permissions(scope) {
    return [
      grant(
        ['lambda:GetPolicy', 'lambda:AddPermission', 'lambda:RemovePermission'],
        FUNCTION_KINDS.map((k) => functionArn(scope, k)),
      ),
    ];
  },

  async read(ctx) {
    const actual: PermissionsActual = {};
    await Promise.all(
      FUNCTION_KINDS.map(async (kind) => {
        const ours = (await functionPolicy(ctx, kind))?.find((s) => s.Sid === STATEMENT_ID);
        if (ours) actual[kind] = ours;
      }),
    );
    // Our statement on a function this stack recorded is recorded too, even when nothing is left to
    // do: a run killed after adding it, before recording it, would otherwise leave it out for good.
    const recorded = ctx.state.resources.functions ?? {};
    const found = FUNCTION_KINDS.filter((k) => actual[k] && recorded[k]).map((k) => functionArn(ctx, k));
    if (found.length > 0) ctx.state.resources.permissions = [...new Set([...(ctx.state.resources.permissions ?? []), ...found])];
    return Object.keys(actual).length === 0 ? { status: 'absent' } : { status: 'present', actual };
  },

  plan(ctx, observed): Change {
    const want = desiredStatement(ctx);
    const actual = observed.status === 'present' ? observed.actual : {};
    const diffs: FieldDiff[] = [];
    for (const kind of FUNCTION_KINDS) {
      const have = summarize(actual[kind]);
      if (!sameValue(have, want)) diffs.push({ field: ctx.names.functions[kind], actual: have, desired: want });
    }
    if (diffs.length === 0) return noop('unchanged (scoped to the pool and account)');
    const kinds = FUNCTION_KINDS.filter((k) => diffs.some((d) => d.field === ctx.names.functions[k]));
    return createOrUpdate(
      observed,
      `${observed.status === 'absent' ? 'grant' : 'fix'} cognito-idp.amazonaws.com invoke on ${kinds.length} function(s), scoped to the pool`,
      diffs,
      async (c) => {
        const w = desiredStatement(c);
        await Promise.all(
          kinds.map(async (kind) => {
            const functionName = c.names.functions[kind];
            if (actual[kind]) await c.ports.lambda.removePermission(functionName, STATEMENT_ID);
            await c.ports.lambda.addPermission({ functionName, statementId: STATEMENT_ID, ...w });
          }),
        );
        c.state.resources.permissions = FUNCTION_KINDS.map((k) => functionArn(c, k));
      },
    );
  },

  async destroy(ctx, observed) {
    if (observed.status === 'absent') return { action: 'absent', summary: 'already gone' };
    // Our statement on another stack's function (same names, another project) is theirs to remove.
    // Teardown has read every function before any destroy, and a function's read keeps it in the
    // state file only when it is ours (and forgets it when it is another stack's).
    const recorded = ctx.state.resources.functions ?? {};
    const kinds = FUNCTION_KINDS.filter((kind) => observed.actual[kind] && recorded[kind]);
    if (kinds.length === 0) return { action: 'kept', summary: "kept: the functions are not this stack's" };
    await Promise.all(kinds.map((kind) => ctx.ports.lambda.removePermission(ctx.names.functions[kind], STATEMENT_ID)));
    delete ctx.state.resources.permissions;
    return { action: 'deleted', summary: `removed from ${kinds.length} function(s)` };
  },
};
