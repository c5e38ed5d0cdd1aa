import type { RealismCall, RealismRule } from './types.js';

/** The function a Lambda REST call is about: /2015-03-31/functions/{name}[/...] (a name or an ARN). */
export function lambdaFunctionName(call: RealismCall): string | undefined {
  const raw = /\/functions\/([^/]+)/.exec(call.path)?.[1] ?? (call.action === 'CreateFunction' ? call.json?.FunctionName : undefined);
  if (!raw) return undefined;
  return raw.includes(':function:') ? raw.split(':function:')[1]!.split(':')[0] : raw;
}

const READS = new Set(['GetFunction', 'GetFunctionConfiguration']);
const BLOCKED = new Set(['UpdateFunctionCode', 'UpdateFunctionConfiguration', 'PublishVersion', 'Invoke']);
const BLOCKED_WHILE_PENDING = new Set([...BLOCKED, 'AddPermission']);

/**
 * A new function is `Pending` for a while, and an updated one has `LastUpdateStatus: InProgress`
 * for a while. Meanwhile "any invocations or other API actions that operate on the function will
 * fail" (UpdateFunctionCode, UpdateFunctionConfiguration, PublishVersion, Invoke; while Pending also
 * AddPermission, which changes the function's resource policy: "wait for the function to become
 * active before performing additional actions that operate on the function") with
 * ResourceConflictException.
 * moto is Active and Successful at once.
 *
 * "A while" is the next `reads` GetFunction/GetFunctionConfiguration answers after the create or
 * update (counted, not timed), so code that polls (the SDK's waiters) gets through and code that
 * does not gets the conflict, on any machine speed. The count lives as long as the proxy: a second
 * CLI run right after the first sees what the first left behind.
 */
export function lambdaStatesRule(reads = 2): RealismRule {
  const pending = new Map<string, number>();
  const updating = new Map<string, number>();
  const left = (m: Map<string, number>, name: string) => m.get(name) ?? 0;
  return {
    id: 'lambda-function-states',
    sources: [
      'https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html',
      'https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionConfiguration.html#API_UpdateFunctionConfiguration_Errors',
    ],
    request(call) {
      if (call.service !== 'lambda' || !BLOCKED_WHILE_PENDING.has(call.action)) return undefined;
      const name = lambdaFunctionName(call);
      if (!name) return undefined;
      const arn = `arn:aws:lambda:us-east-1:123456789012:function:${name}`;
      if (left(pending, name) > 0) {
        return {
          error: {
            status: 409,
            type: 'ResourceConflictException',
            message: `The operation cannot be performed at this time. The function is currently in the following state: Pending`,
          },
        };
      }
      if (left(updating, name) > 0 && BLOCKED.has(call.action)) {
        return {
          error: {
            status: 409,
            type: 'ResourceConflictException',
            message: `The operation cannot be performed at this time. An update is in progress for resource: ${arn}`,
          },
        };
      }
      return undefined;
    },
    response(call, body) {
      if (call.service !== 'lambda') return undefined;
      const name = lambdaFunctionName(call);
      if (!name) return undefined;
      const conf = call.action === 'GetFunction' ? body.Configuration : body;
      if (!conf || typeof conf !== 'object') return undefined;
      if (call.action === 'CreateFunction') pending.set(name, reads);
      if (call.action === 'UpdateFunctionCode' || call.action === 'UpdateFunctionConfiguration') updating.set(name, reads);
      if (call.action === 'DeleteFunction') {
        pending.delete(name);
        updating.delete(name);
        return undefined;
      }
      const isRead = READS.has(call.action);
      if (left(pending, name) > 0) {
        Object.assign(conf, { State: 'Pending', StateReason: 'The function is being created.', StateReasonCode: 'Creating' });
        if (isRead) pending.set(name, left(pending, name) - 1);
        return body;
      }
      if (left(updating, name) > 0) {
        Object.assign(conf, {
          State: 'Active',
          LastUpdateStatus: 'InProgress',
          LastUpdateStatusReason: 'The function is being updated.',
          LastUpdateStatusReasonCode: 'InProgress',
        });
        if (isRead) updating.set(name, left(updating, name) - 1);
        return body;
      }
      return undefined;
    },
    settled(call, status) {
      // DeleteFunction answers 204 with no body: forget the function there.
      if (call.service === 'lambda' && call.action === 'DeleteFunction' && status < 300) {
        const name = lambdaFunctionName(call);
        if (name) {
          pending.delete(name);
          updating.delete(name);
        }
      }
    },
    reset() {
      pending.clear();
      updating.clear();
    },
  };
}
