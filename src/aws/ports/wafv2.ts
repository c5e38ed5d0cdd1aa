import type { CreateWebACLCommandInput, UpdateWebACLCommandInput, WebACL } from '@aws-sdk/client-wafv2';
import { withBackoff } from '../../core/backoff.js';
import { awsErrorName, call, callIgnoringAbsent, callOrAbsent, isNotFound, toUserError } from '../aws-errors.js';
import type { AwsClients } from '../clients.js';
import { sdk } from '../sdk.js';
import { tagList, tagsFromList, type TagMap } from '../tags.js';

/** A user pool is a regional resource: its web ACL must be REGIONAL (CLOUDFRONT is for distributions). */
const SCOPE = 'REGIONAL';

/** A web ACL and the LockToken its next update or delete must carry. */
export interface LockedWebAcl {
  acl: WebACL;
  lockToken: string;
}

/** The AWS WAF (v2) operations the steps use, on regional web ACLs only, with AWS's errors mapped to the user's. */
export interface WafV2Port {
  /** Undefined when there is no such web ACL. */
  getWebAcl(name: string, id: string): Promise<LockedWebAcl | undefined>;
  /** The id of the web ACL with this name (web ACLs are found by id, not name); undefined when none. */
  webAclIdNamed(name: string): Promise<string | undefined>;
  tagsOf(arn: string): Promise<TagMap>;
  /** ARN of the web ACL protecting the resource; undefined when none (or no such resource). */
  webAclArnFor(resourceArn: string): Promise<string | undefined>;
  createWebAcl(input: Omit<CreateWebACLCommandInput, 'Scope' | 'Tags'>, tags: TagMap): Promise<{ id: string; arn: string }>;
  /** A stale LockToken is refreshed and the write retried. */
  updateWebAcl(input: Omit<UpdateWebACLCommandInput, 'Scope' | 'LockToken'>, lockToken: string): Promise<void>;
  tagResource(arn: string, tags: TagMap): Promise<void>;
  /** Retries while the new web ACL has not yet propagated to the resource's service, calling `onRetry`. */
  associateWebAcl(aclArn: string, resourceArn: string, onRetry: () => void): Promise<void>;
  /** Already disassociated (or no such resource) is success. */
  disassociateWebAcl(resourceArn: string): Promise<void>;
  /**
   * Already deleted is success; a stale LockToken is refreshed and the delete retried. False when
   * the web ACL still protects some resource (WAFAssociatedItemException).
   */
  deleteWebAcl(name: string, id: string, lockToken: string): Promise<boolean>;
}

export function wafv2Port(aws: AwsClients): WafV2Port {
  const api = () => sdk('@aws-sdk/client-wafv2');

  async function getWebAcl(Name: string, Id: string): Promise<LockedWebAcl | undefined> {
    const waf = await aws.wafv2();
    const out = await callOrAbsent('wafv2:GetWebACL', Name, () => waf.send(new (api().GetWebACLCommand)({ Name, Scope: SCOPE, Id })));
    return out?.WebACL && out.LockToken ? { acl: out.WebACL, lockToken: out.LockToken } : undefined;
  }

  /** WAF refuses a write made with a stale LockToken (WAFOptimisticLockException): read the new one and write again. */
  async function withLockToken<T>(name: string, id: string, first: string, write: (token: string) => Promise<T>): Promise<T> {
    let token = first;
    for (let attempt = 1; ; attempt++) {
      try {
        return await write(token);
      } catch (err) {
        if (awsErrorName(err) !== 'WAFOptimisticLockException' || attempt >= 3) throw err;
        const fresh = await getWebAcl(name, id);
        if (!fresh) throw err;
        token = fresh.lockToken;
      }
    }
  }

  return {
    getWebAcl,
    async webAclIdNamed(Name) {
      const waf = await aws.wafv2();
      let NextMarker: string | undefined;
      do {
        const page = await call('wafv2:ListWebACLs', undefined, () =>
          waf.send(new (api().ListWebACLsCommand)({ Scope: SCOPE, Limit: 100, ...(NextMarker ? { NextMarker } : {}) })),
        );
        const found = page.WebACLs?.find((a) => a.Name === Name);
        if (found?.Id) return found.Id;
        // An empty page with a marker would loop for ever; AWS ends the list with no marker.
        NextMarker = page.WebACLs?.length ? page.NextMarker : undefined;
      } while (NextMarker);
      return undefined;
    },
    async tagsOf(ResourceARN) {
      const waf = await aws.wafv2();
      const out = await call('wafv2:ListTagsForResource', ResourceARN, () =>
        waf.send(new (api().ListTagsForResourceCommand)({ ResourceARN })),
      );
      return tagsFromList(out.TagInfoForResource?.TagList);
    },
    async webAclArnFor(ResourceArn) {
      const waf = await aws.wafv2();
      const out = await callOrAbsent('wafv2:GetWebACLForResource', ResourceArn, () =>
        waf.send(new (api().GetWebACLForResourceCommand)({ ResourceArn })),
      );
      return out?.WebACL?.ARN;
    },
    async createWebAcl(input, tags) {
      const waf = await aws.wafv2();
      const out = await call('wafv2:CreateWebACL', input.Name, () =>
        waf.send(new (api().CreateWebACLCommand)({ ...input, Scope: SCOPE, Tags: tagList(tags) })),
      );
      return { id: out.Summary!.Id!, arn: out.Summary!.ARN! };
    },
    async updateWebAcl(input, lockToken) {
      const waf = await aws.wafv2();
      await call('wafv2:UpdateWebACL', input.Name, () =>
        withLockToken(input.Name!, input.Id!, lockToken, (LockToken) =>
          waf.send(new (api().UpdateWebACLCommand)({ ...input, Scope: SCOPE, LockToken })),
        ),
      );
    },
    async tagResource(ResourceARN, tags) {
      const waf = await aws.wafv2();
      await call('wafv2:TagResource', ResourceARN, () => waf.send(new (api().TagResourceCommand)({ ResourceARN, Tags: tagList(tags) })));
    },
    /**
     * "When you create a web ACL, there is a short period of time when the web ACL isn't fully
     * propagated and available to Amazon Cognito. The propagation time can be from a few seconds to
     * a number of minutes. AWS WAF returns a WAFUnavailableEntityException when you try to associate
     * a web ACL before it has completely propagated."
     * https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-waf.html
     * The SDK does not retry it; this does, for up to five minutes.
     */
    async associateWebAcl(WebACLArn, ResourceArn, onRetry) {
      const waf = await aws.wafv2();
      const emulator = (aws.settings.endpoint ?? process.env.AWS_ENDPOINT_URL) !== undefined;
      await call('wafv2:AssociateWebACL', ResourceArn, () =>
        withBackoff(() => waf.send(new (api().AssociateWebACLCommand)({ WebACLArn, ResourceArn })), {
          retryable: (err) => awsErrorName(err) === 'WAFUnavailableEntityException',
          budgetMs: 300_000,
          ...(emulator ? { baseMs: 20, maxDelayMs: 100 } : { maxDelayMs: 5_000 }),
          onRetry,
        }),
      );
    },
    async disassociateWebAcl(ResourceArn) {
      const waf = await aws.wafv2();
      await callIgnoringAbsent('wafv2:DisassociateWebACL', ResourceArn, () =>
        waf.send(new (api().DisassociateWebACLCommand)({ ResourceArn })),
      );
    },
    async deleteWebAcl(Name, Id, lockToken) {
      const waf = await aws.wafv2();
      try {
        await withLockToken(Name, Id, lockToken, (LockToken) =>
          waf.send(new (api().DeleteWebACLCommand)({ Name, Scope: SCOPE, Id, LockToken })),
        );
        return true;
      } catch (err) {
        if (isNotFound(err)) return true;
        if (awsErrorName(err) === 'WAFAssociatedItemException') return false;
        throw toUserError(err, 'wafv2:DeleteWebACL', Name);
      }
    },
  };
}
