import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  CloudWatchLogsClient,
  CreateLogStreamCommand,
  DescribeMetricFiltersCommand,
  FilterLogEventsCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler as createCreate } from '../../handlers/create-auth-challenge.js';
import { defaultTemplates } from '../../src/package/build-handlers.js';
import { runInProcess } from '../support/in-process.js';
import { liteRateStore } from '../support/lite-rate-store.js';
import { motoEnv } from '../support/moto.js';
import { BASE_CONFIG, useStackFixture } from '../support/stack-fixture.js';
import { captureLogs, clock, createEvent, ENV, fakeSes, noPause } from '../unit/handlers/support.js';

const f = useStackFixture();
let cloudwatch: CloudWatchClient;
let logs: CloudWatchLogsClient;
beforeAll(() => {
  const config = { region: 'us-east-1', endpoint: f.moto.url, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  cloudwatch = new CloudWatchClient(config);
  logs = new CloudWatchLogsClient(config);
});
afterAll(() => {
  cloudwatch.destroy();
  logs.destroy();
});

const ALARMS_ON = { ...BASE_CONFIG, monitoring: { alarms: { enabled: true } } };
const GROUP = '/aws/lambda/email-otp-create-auth-challenge';
const BUDGET_ALARM = 'email-otp-create-auth-challenge-email-budget';

async function ok(dir: string, args: string[]) {
  const result = await runInProcess(args, { cwd: dir, env: motoEnv(f.proxy.url) });
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
  return result;
}

/** The lines the real create handler logs when the pool's budget (here 1 email a day) is spent, and when one address hits its cap. */
async function handlerLines(): Promise<{ budget: string; perAddress: string }> {
  const capture = captureLogs();
  const env = {
    ...ENV,
    RATE_LIMIT_TABLE: 'limits',
    RATE_LIMIT_CODES: '1',
    RATE_LIMIT_WINDOW_SECONDS: '900',
    RATE_LIMIT_FAILURES: '3',
    RATE_LIMIT_LOCKOUT_SECONDS: '900',
    RATE_LIMIT_FAILURE_CEILING: '9',
    RATE_LIMIT_DAILY_EMAILS: '2',
  };
  const create = createCreate({
    ses: fakeSes(),
    env,
    rateStore: liteRateStore(),
    templates: await defaultTemplates(),
    now: clock().now,
    log: capture.sink,
    pause: noPause,
  });
  const event = (email: string) => createEvent([], { userAttributes: { email } });
  await create(event('one@example.com'));
  await expect(create(event('one@example.com'))).rejects.toThrow();
  const perAddress = capture.lines.at(-1)!;
  await create(event('two@example.com'));
  await expect(create(event('three@example.com'))).rejects.toThrow();
  return { budget: capture.lines.at(-1)!, perAddress };
}

describe('with alarms on, an alarm when the pool-wide daily email budget is spent', () => {
  it(
    'up adds a metric filter on the create function’s budget line and an alarm on it; they go with the budget or the alarms',
    { timeout: 120_000 },
    async () => {
      const dir = await f.project(ALARMS_ON);
      await ok(dir, ['up']);
      const alarm = (await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [BUDGET_ALARM] }))).MetricAlarms?.[0];
      expect(alarm).toMatchObject({ Namespace: 'otp-setup/email-otp', MetricName: 'EmailBudgetSpent', Threshold: 1, Period: 300 });
      const filters = (await logs.send(new DescribeMetricFiltersCommand({ logGroupName: GROUP }))).metricFilters ?? [];
      expect(filters).toHaveLength(1);
      expect(filters[0]!.metricTransformations).toEqual([
        expect.objectContaining({ metricName: 'EmailBudgetSpent', metricNamespace: 'otp-setup/email-otp', metricValue: '1' }),
      ]);

      // The filter counts the line the handler really logs when the budget is spent, as Lambda writes it, and not a per-address limit.
      const { budget, perAddress } = await handlerLines();
      expect(JSON.parse(budget)).toMatchObject({ level: 'error', limit: 'email-budget' });
      await logs.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: 's' }));
      const at = Date.now();
      await logs.send(
        new PutLogEventsCommand({
          logGroupName: GROUP,
          logStreamName: 's',
          logEvents: [budget, perAddress].map((line, i) => ({
            timestamp: at + i,
            message: `2025-01-15T12:00:00.000Z\treq-${i}\tERROR\t${line}`,
          })),
        }),
      );
      const matched = await logs.send(new FilterLogEventsCommand({ logGroupName: GROUP, filterPattern: filters[0]!.filterPattern }));
      expect(matched.events?.map((e) => e.message)).toEqual([expect.stringContaining('"limit":"email-budget"')]);

      f.proxy.reset();
      await ok(dir, ['up']);
      expect(f.proxy.writes()).toEqual([]);

      // No budget: no budget alarm and no filter; the functions' own alarms stay.
      await writeFile(join(dir, 'otp-setup.config.json'), JSON.stringify({ ...ALARMS_ON, rateLimit: { dailyEmailBudget: 0 } }));
      await ok(dir, ['up']);
      expect((await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [BUDGET_ALARM] }))).MetricAlarms).toEqual([]);
      expect((await logs.send(new DescribeMetricFiltersCommand({ logGroupName: GROUP }))).metricFilters).toEqual([]);
      expect((await cloudwatch.send(new DescribeAlarmsCommand({}))).MetricAlarms).toHaveLength(10);

      await writeFile(join(dir, 'otp-setup.config.json'), JSON.stringify(ALARMS_ON));
      await ok(dir, ['up']);
      await ok(dir, ['teardown', '--yes']);
      expect((await cloudwatch.send(new DescribeAlarmsCommand({}))).MetricAlarms).toEqual([]);
    },
  );
});
