import type { RealismRule } from './types.js';

/**
 * A new web ACL reaches Cognito only after a while: "When you create a web ACL, there is a short
 * period of time when the web ACL isn't fully propagated and available to Amazon Cognito. The
 * propagation time can be from a few seconds to a number of minutes. AWS WAF returns a
 * WAFUnavailableEntityException when you try to associate a web ACL before it has completely
 * propagated." moto associates at once. "A while" is the first `refusals` AssociateWebACL calls
 * for each web ACL created through the proxy (counted, not timed).
 */
export function wafAssociationPropagationRule(refusals = 2): RealismRule {
  const pending = new Map<string, number>();
  return {
    id: 'waf-association-propagation',
    sources: [
      'https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-waf.html',
      'https://docs.aws.amazon.com/waf/latest/APIReference/API_AssociateWebACL.html#API_AssociateWebACL_Errors',
    ],
    request(call) {
      if (call.service !== 'wafv2' || call.action !== 'AssociateWebACL' || !call.json) return undefined;
      const arn = call.json.WebACLArn as string;
      const left = pending.get(arn) ?? 0;
      if (left <= 0) return undefined;
      pending.set(arn, left - 1);
      return {
        error: {
          status: 400,
          type: 'WAFUnavailableEntityException',
          message:
            "AWS WAF couldn't perform your association operation because the web ACL is still being created or propagated. Retry your request.",
        },
      };
    },
    response(call, body) {
      if (call.service === 'wafv2' && call.action === 'CreateWebACL' && body.Summary?.ARN) pending.set(body.Summary.ARN, refusals);
      return undefined;
    },
    reset: () => pending.clear(),
  };
}
