import type { RealismRule } from './types.js';

const roleName = (arn: string | undefined) => (arn ?? '').split('/').pop() ?? '';

/**
 * IAM is eventually consistent: for a while after a role is created (or its trust policy
 * changed), Lambda cannot assume it, and for a while after its policy gained X-Ray permissions,
 * Lambda's check for them fails. moto never lags.
 *
 * - "The role defined for the function cannot be assumed by Lambda." (InvalidParameterValueException)
 * - "The provided execution role does not have permissions to call PutTraceSegments on XRAY"
 *   (InvalidParameterValueException), with TracingConfig Active.
 *
 * "A while" is the next `calls` CreateFunction/UpdateFunctionConfiguration naming that role
 * (counted, not timed).
 */
export function iamPropagationRule(calls = 1): RealismRule {
  const notAssumable = new Map<string, number>();
  const noXray = new Map<string, number>();
  return {
    id: 'iam-propagation',
    sources: [
      'https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency',
      'https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html',
      'https://github.com/serverless/serverless/issues/6931',
      'https://github.com/coinbase/fenrir/pull/1',
    ],
    request(call) {
      if (call.service === 'iam') {
        const role = call.form.get('RoleName') ?? '';
        if (call.action === 'CreateRole' || call.action === 'UpdateAssumeRolePolicy') notAssumable.set(role, calls);
        if (call.action === 'PutRolePolicy' && /xray:PutTraceSegments/.test(call.form.get('PolicyDocument') ?? '')) noXray.set(role, calls);
        if (call.action === 'AttachRolePolicy' && /XRay/i.test(call.form.get('PolicyArn') ?? '')) noXray.set(role, calls);
        return undefined;
      }
      if (
        call.service !== 'lambda' ||
        (call.action !== 'CreateFunction' && call.action !== 'UpdateFunctionConfiguration') ||
        !call.json?.Role
      )
        return undefined;
      const role = roleName(call.json.Role);
      if ((notAssumable.get(role) ?? 0) > 0) {
        notAssumable.set(role, notAssumable.get(role)! - 1);
        return {
          error: {
            status: 400,
            type: 'InvalidParameterValueException',
            message: 'The role defined for the function cannot be assumed by Lambda.',
          },
        };
      }
      if (call.json.TracingConfig?.Mode === 'Active' && (noXray.get(role) ?? 0) > 0) {
        noXray.set(role, noXray.get(role)! - 1);
        return {
          error: {
            status: 400,
            type: 'InvalidParameterValueException',
            message: 'The provided execution role does not have permissions to call PutTraceSegments on XRAY',
          },
        };
      }
      return undefined;
    },
    reset() {
      notAssumable.clear();
      noXray.clear();
    },
  };
}
