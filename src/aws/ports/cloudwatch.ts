import type { MetricAlarm, PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import { call, callIgnoringAbsent, callOrAbsent } from '../aws-errors.js';
import type { AwsClients } from '../clients.js';
import { sdk } from '../sdk.js';
import { tagList, tagsFromList, type TagMap } from '../tags.js';

/** The CloudWatch alarm operations the steps use, with AWS's errors mapped to the user's. */
export interface CloudWatchPort {
  /** The metric alarms with these exact names that exist (at most 100 names). */
  metricAlarmsNamed(names: string[]): Promise<MetricAlarm[]>;
  /** Undefined when there is no such alarm. */
  tagsOf(alarmName: string | undefined, arn: string | undefined): Promise<TagMap | undefined>;
  /** Tags apply only when the alarm is created; PutMetricAlarm ignores them on update. */
  putMetricAlarm(input: Omit<PutMetricAlarmCommandInput, 'Tags'> & { AlarmName: string }, tags: TagMap): Promise<void>;
  tagResource(alarmName: string, arn: string | undefined, tags: TagMap): Promise<void>;
  /** Already deleted is success. */
  deleteAlarms(names: string[]): Promise<void>;
}

export function cloudWatchPort(aws: AwsClients): CloudWatchPort {
  const api = () => sdk('@aws-sdk/client-cloudwatch');
  return {
    async metricAlarmsNamed(AlarmNames) {
      const cloudwatch = await aws.cloudwatch();
      const out = await call('cloudwatch:DescribeAlarms', undefined, () =>
        cloudwatch.send(new (api().DescribeAlarmsCommand)({ AlarmNames, AlarmTypes: ['MetricAlarm'], MaxRecords: 100 })),
      );
      return out.MetricAlarms ?? [];
    },
    async tagsOf(name, ResourceARN) {
      const cloudwatch = await aws.cloudwatch();
      const out = await callOrAbsent('cloudwatch:ListTagsForResource', name, () =>
        cloudwatch.send(new (api().ListTagsForResourceCommand)({ ResourceARN })),
      );
      return out && tagsFromList(out.Tags);
    },
    async putMetricAlarm(input, tags) {
      const cloudwatch = await aws.cloudwatch();
      await call('cloudwatch:PutMetricAlarm', input.AlarmName, () =>
        cloudwatch.send(new (api().PutMetricAlarmCommand)({ ...input, Tags: tagList(tags) })),
      );
    },
    async tagResource(name, ResourceARN, tags) {
      const cloudwatch = await aws.cloudwatch();
      await call('cloudwatch:TagResource', name, () =>
        cloudwatch.send(new (api().TagResourceCommand)({ ResourceARN, Tags: tagList(tags) })),
      );
    },
    async deleteAlarms(AlarmNames) {
      const cloudwatch = await aws.cloudwatch();
      await callIgnoringAbsent('cloudwatch:DeleteAlarms', undefined, () =>
        cloudwatch.send(new (api().DeleteAlarmsCommand)({ AlarmNames })),
      );
    },
  };
}
