import type { RealismRule } from './types.js';

/** The user pool form of the ResourceArn the association calls take; moto accepts any string. */
const USER_POOL_ARN = /^arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:\d{12}:userpool\/[\w-]+_[0-9a-zA-Z]+$/;
const OTHER_RESOURCE = /^arn:aws[a-z-]*:(elasticloadbalancing|apigateway|appsync|apprunner|ec2|amplify):/;
/** A web ACL for a regional resource: ".../regional/webacl/<name>/<id>" (CLOUDFRONT ones are "global"). */
const REGIONAL_ACL = /^arn:aws[a-z-]*:wafv2:[a-z0-9-]+:\d{12}:regional\/webacl\/[\w-]+\/[0-9a-f-]{36}$/;

/**
 * AssociateWebACL, DisassociateWebACL and GetWebACLForResource name the protected resource by an
 * ARN in one of the formats the API reference lists ("For an Amazon Cognito user pool:
 * arn:partition:cognito-idp:region:account-id:userpool/user-pool-id"), and a user pool, being
 * regional, takes only a REGIONAL web ACL. AWS answers anything else with
 * WAFInvalidParameterException; moto accepts any string on both sides.
 */
export function wafResourceArnRule(): RealismRule {
  return {
    id: 'waf-resource-arn',
    sources: [
      'https://docs.aws.amazon.com/waf/latest/APIReference/API_AssociateWebACL.html',
      'https://docs.aws.amazon.com/waf/latest/APIReference/API_GetWebACLForResource.html',
      'https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-waf.html',
    ],
    request(call) {
      if (call.service !== 'wafv2' || !call.json) return undefined;
      if (!['AssociateWebACL', 'DisassociateWebACL', 'GetWebACLForResource'].includes(call.action)) return undefined;
      const resource = String(call.json.ResourceArn ?? '');
      const invalid = (field: string, value: string) => ({
        error: {
          status: 400,
          type: 'WAFInvalidParameterException',
          message: `Error reason: The ARN isn't valid. A valid ARN begins with arn: and includes other information separated by colons or slashes., field: ${field}, parameter: ${value}`,
        },
      });
      if (!USER_POOL_ARN.test(resource) && !OTHER_RESOURCE.test(resource)) return invalid('RESOURCE_ARN', resource);
      if (call.action === 'AssociateWebACL' && !REGIONAL_ACL.test(String(call.json.WebACLArn ?? '')))
        return invalid('RESOURCE_ARN', String(call.json.WebACLArn));
      return undefined;
    },
    reset() {},
  };
}
