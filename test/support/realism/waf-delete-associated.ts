import type { RealismRule } from './types.js';

/**
 * DeleteWebACL refuses a web ACL that still protects a resource: "Before deleting any web ACL,
 * first disassociate it from all resources", else WAFAssociatedItemException ("AWS WAF couldn't
 * perform the operation because your resource is being used by another resource or it's
 * associated with another resource"). moto deletes it and leaves the association dangling. The
 * rule learns associations from the AssociateWebACL / DisassociateWebACL calls that pass through;
 * deleting a user pool ends its association.
 */
export function wafDeleteAssociatedRule(): RealismRule {
  // Resource ARN → the web ACL ARN it is associated with (a resource has at most one).
  const associations = new Map<string, string>();
  return {
    id: 'waf-delete-associated',
    sources: [
      'https://docs.aws.amazon.com/waf/latest/APIReference/API_DeleteWebACL.html',
      'https://docs.aws.amazon.com/waf/latest/APIReference/API_DeleteWebACL.html#API_DeleteWebACL_Errors',
    ],
    request(call) {
      if (call.service !== 'wafv2' || call.action !== 'DeleteWebACL' || !call.json) return undefined;
      const { Name, Id } = call.json as { Name: string; Id: string };
      const inUse = [...associations.values()].some((acl) => acl.endsWith(`/webacl/${Name}/${Id}`));
      if (!inUse) return undefined;
      return {
        error: {
          status: 400,
          type: 'WAFAssociatedItemException',
          message:
            'AWS WAF couldn’t perform the operation because your resource is being used by another resource or it’s associated with another resource.',
        },
      };
    },
    settled(call, status) {
      if (status >= 300 || !call.json) return;
      if (call.service === 'wafv2' && call.action === 'AssociateWebACL') associations.set(call.json.ResourceArn, call.json.WebACLArn);
      if (call.service === 'wafv2' && call.action === 'DisassociateWebACL') associations.delete(call.json.ResourceArn);
      if (call.service === 'cognito-idp' && call.action === 'DeleteUserPool') {
        for (const resource of associations.keys())
          if (resource.endsWith(`:userpool/${call.json.UserPoolId}`)) associations.delete(resource);
      }
    },
    reset: () => associations.clear(),
  };
}
