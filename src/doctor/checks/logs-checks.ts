import { FUNCTION_KINDS } from '../../config/function-kinds.js';
import { grant } from '../../core/permissions.js';
import { logGroupArns, logGroupsStep, logGroupName } from '../../steps/log-groups-step.js';
import { ok, warn, type Check } from '../check.js';
import { isErrorEvent, readHandlerEvents } from '../log-events.js';

/** Log groups exist with a retention period: Lambda's own never expire. */
export const logRetentionCheck: Check = {
  id: 'log-retention',
  title: 'Log retention',
  async run({ ctx }) {
    const observed = await logGroupsStep.read(ctx);
    const actual = observed.status === 'present' ? observed.actual : {};
    const forever = FUNCTION_KINDS.filter((k) => actual[k] && actual[k].retentionDays === undefined).map((k) => logGroupName(ctx, k));
    const missing = FUNCTION_KINDS.filter((k) => !actual[k]);
    const fix = `Run "otp-setup up": it sets ${ctx.config.monitoring.logRetentionDays} days (monitoring.logRetentionDays).`;
    if (forever.length > 0) return warn(`${forever.join(', ')} keep logs forever`, fix);
    if (missing.length > 0) return warn(`${missing.length} log group(s) missing: Lambda would create them without retention`, fix);
    const days = [...new Set(FUNCTION_KINDS.map((k) => actual[k]!.retentionDays))].join('/');
    return ok(`${FUNCTION_KINDS.length} log groups, kept ${days} days`);
  },
};

const WINDOW_MS = 60 * 60 * 1000;

/** The guide's "check Lambda logs" steps: error lines the handlers wrote in the last hour. */
export const recentErrorsCheck: Check = {
  id: 'recent-errors',
  title: 'Handler errors in the last hour',
  permissions: (scope) => [grant(['logs:FilterLogEvents'], logGroupArns(scope))],
  async run({ ctx, now }) {
    const events = await readHandlerEvents(ctx, {
      kinds: FUNCTION_KINDS,
      startTime: now.getTime() - WINDOW_MS,
      endTime: now.getTime(),
      // Narrows the search on AWS; each event is still checked, as emulators match loosely.
      filterPattern: '?error ?ERROR ?"Task timed out"',
      limit: 500,
    });
    const errors = events.filter(isErrorEvent);
    if (errors.length === 0) return ok('none');
    const latest = errors[errors.length - 1]!;
    const what = typeof latest.record?.msg === 'string' ? latest.record.msg : latest.message.slice(0, 160);
    const byFunction = [...new Set(errors.map((e) => ctx.names.functions[e.kind]))].join(', ');
    return warn(
      `${errors.length} error line(s) from ${byFunction}; latest: ${what}`,
      `Read them: otp-setup logs --since 1h${ctx.config.stage ? ` --stage ${ctx.config.stage}` : ''}`,
    );
  },
};
