import type { Subscription } from '@aws-sdk/client-sns';
import { call, callIgnoringAbsent, callOrAbsent } from '../aws-errors.js';
import type { AwsClients } from '../clients.js';
import { sdk } from '../sdk.js';
import { tagList, tagsFromList, type TagMap } from '../tags.js';

/** The SNS topic operations the steps use, with AWS's errors mapped to the user's. */
export interface SnsPort {
  /** Undefined when there is no such topic. */
  subscriptions(arn: string): Promise<Subscription[] | undefined>;
  /** Undefined when there is no such topic. */
  tagsOf(arn: string): Promise<TagMap | undefined>;
  /** The new topic's ARN (CreateTopic returns an existing topic of that name as is). */
  createTopic(name: string, tags: TagMap): Promise<string | undefined>;
  subscribeEmail(arn: string, email: string): Promise<void>;
  tagResource(arn: string, tags: TagMap): Promise<void>;
  /** Already deleted is success. */
  deleteTopic(arn: string): Promise<void>;
}

export function snsPort(aws: AwsClients): SnsPort {
  const api = () => sdk('@aws-sdk/client-sns');
  return {
    async subscriptions(TopicArn) {
      const sns = await aws.sns();
      const out = await callOrAbsent('sns:ListSubscriptionsByTopic', TopicArn, () =>
        sns.send(new (api().ListSubscriptionsByTopicCommand)({ TopicArn })),
      );
      return out && (out.Subscriptions ?? []);
    },
    async tagsOf(ResourceArn) {
      const sns = await aws.sns();
      const out = await callOrAbsent('sns:ListTagsForResource', ResourceArn, () =>
        sns.send(new (api().ListTagsForResourceCommand)({ ResourceArn })),
      );
      return out && tagsFromList(out.Tags);
    },
    async createTopic(Name, tags) {
      const sns = await aws.sns();
      const out = await call('sns:CreateTopic', Name, () => sns.send(new (api().CreateTopicCommand)({ Name, Tags: tagList(tags) })));
      return out.TopicArn;
    },
    async subscribeEmail(TopicArn, Endpoint) {
      const sns = await aws.sns();
      await call('sns:Subscribe', TopicArn, () => sns.send(new (api().SubscribeCommand)({ TopicArn, Protocol: 'email', Endpoint })));
    },
    async tagResource(ResourceArn, tags) {
      const sns = await aws.sns();
      await call('sns:TagResource', ResourceArn, () => sns.send(new (api().TagResourceCommand)({ ResourceArn, Tags: tagList(tags) })));
    },
    async deleteTopic(TopicArn) {
      const sns = await aws.sns();
      await callIgnoringAbsent('sns:DeleteTopic', TopicArn, () => sns.send(new (api().DeleteTopicCommand)({ TopicArn })));
    },
  };
}
