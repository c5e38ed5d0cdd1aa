import type { LogGroup, MetricFilter, PutMetricFilterCommandInput } from '@aws-sdk/client-cloudwatch-logs';
import { awsErrorName, call, callIgnoringAbsent, callOrAbsent, toUserError } from '../aws-errors.js';
import type { AwsClients } from '../clients.js';
import { sdk } from '../sdk.js';
import type { TagMap } from '../tags.js';

/** The CloudWatch Logs operations the steps use, with AWS's errors mapped to the user's. */
export interface LogsPort {
  /** Every log group whose name starts with the prefix (all pages). */
  logGroupsWithPrefix(prefix: string): Promise<LogGroup[]>;
  /** Undefined when there is no such group. */
  tagsOf(logGroupName: string, arn: string): Promise<TagMap | undefined>;
  /** False when the group already exists (the conflict is the caller's to resolve). */
  createLogGroup(logGroupName: string, tags: TagMap): Promise<boolean>;
  /** TagResource, not TagLogGroup, which "is on the path to deprecation" (CloudWatch Logs API reference). */
  tagResource(logGroupName: string, arn: string, tags: TagMap): Promise<void>;
  putRetentionPolicy(logGroupName: string, days: number): Promise<void>;
  /** Already deleted is success. */
  deleteLogGroup(logGroupName: string): Promise<void>;
  /** Undefined when there is no such filter (or no such group). */
  metricFilterNamed(logGroupName: string, filterName: string): Promise<MetricFilter | undefined>;
  putMetricFilter(input: PutMetricFilterCommandInput): Promise<void>;
  /** Already deleted (or no such group) is success. */
  deleteMetricFilter(logGroupName: string, filterName: string): Promise<void>;
}

export function logsPort(aws: AwsClients): LogsPort {
  const api = () => sdk('@aws-sdk/client-cloudwatch-logs');
  return {
    async logGroupsWithPrefix(logGroupNamePrefix) {
      const logs = await aws.logs();
      const found: LogGroup[] = [];
      await call('logs:DescribeLogGroups', undefined, async () => {
        for await (const page of api().paginateDescribeLogGroups({ client: logs, pageSize: 50 }, { logGroupNamePrefix })) {
          found.push(...(page.logGroups ?? []));
        }
      });
      return found;
    },
    async tagsOf(name, resourceArn) {
      const logs = await aws.logs();
      const out = await callOrAbsent('logs:ListTagsForResource', name, () =>
        logs.send(new (api().ListTagsForResourceCommand)({ resourceArn })),
      );
      return out && (out.tags ?? {});
    },
    async createLogGroup(logGroupName, tags) {
      const logs = await aws.logs();
      try {
        await logs.send(new (api().CreateLogGroupCommand)({ logGroupName, tags }));
        return true;
      } catch (err) {
        if (awsErrorName(err) === 'ResourceAlreadyExistsException') return false;
        throw toUserError(err, 'logs:CreateLogGroup', logGroupName);
      }
    },
    async tagResource(name, resourceArn, tags) {
      const logs = await aws.logs();
      await call('logs:TagResource', name, () => logs.send(new (api().TagResourceCommand)({ resourceArn, tags })));
    },
    async putRetentionPolicy(logGroupName, retentionInDays) {
      const logs = await aws.logs();
      await call('logs:PutRetentionPolicy', logGroupName, () =>
        logs.send(new (api().PutRetentionPolicyCommand)({ logGroupName, retentionInDays })),
      );
    },
    async deleteLogGroup(logGroupName) {
      const logs = await aws.logs();
      await callIgnoringAbsent('logs:DeleteLogGroup', logGroupName, () => logs.send(new (api().DeleteLogGroupCommand)({ logGroupName })));
    },
    async metricFilterNamed(logGroupName, filterName) {
      const logs = await aws.logs();
      const out = await callOrAbsent('logs:DescribeMetricFilters', logGroupName, () =>
        logs.send(new (api().DescribeMetricFiltersCommand)({ logGroupName, filterNamePrefix: filterName })),
      );
      return out?.metricFilters?.find((m) => m.filterName === filterName);
    },
    async putMetricFilter(input) {
      const logs = await aws.logs();
      await call('logs:PutMetricFilter', input.filterName, () => logs.send(new (api().PutMetricFilterCommand)(input)));
    },
    async deleteMetricFilter(logGroupName, filterName) {
      const logs = await aws.logs();
      await callIgnoringAbsent('logs:DeleteMetricFilter', filterName, () =>
        logs.send(new (api().DeleteMetricFilterCommand)({ logGroupName, filterName })),
      );
    },
  };
}
