import { errorMessage, isOtpError } from '../core/errors.js';
import type { Grant, PermissionScope } from '../core/permissions.js';
import type { StepContext } from '../core/step.js';
import type { DoctorLookups } from './lookups.js';

export type Verdict = 'ok' | 'warn' | 'fail' | 'unknown';

export interface CheckResult {
  id: string;
  title: string;
  verdict: Verdict;
  /** What was found, in one line. */
  detail: string;
  /** What to do about it (absent when ok). */
  fix?: string;
}

export type Finding = Omit<CheckResult, 'id' | 'title'>;

export interface DoctorContext {
  ctx: StepContext;
  lookups: DoctorLookups;
  now: Date;
}

export interface Check {
  id: string;
  title: string;
  run(d: DoctorContext): Promise<Finding>;
  /** IAM actions the check calls itself; reads through a step's `read` are the step's to declare. */
  permissions?(scope: PermissionScope): Grant[];
}

/**
 * Runs every check concurrently. A check that cannot look (access denied, an API the endpoint
 * lacks) is "unknown", never a crash: the other verdicts are still worth having.
 */
export async function runChecks(checks: readonly Check[], d: DoctorContext): Promise<CheckResult[]> {
  return Promise.all(
    checks.map(async (check) => {
      try {
        return { id: check.id, title: check.title, ...(await check.run(d)) };
      } catch (err) {
        const fix = isOtpError(err) ? err.resolution : undefined;
        return {
          id: check.id,
          title: check.title,
          verdict: 'unknown' as const,
          detail: `could not check: ${errorMessage(err)}`,
          ...(fix ? { fix } : {}),
        };
      }
    }),
  );
}

export const ok = (detail: string): Finding => ({ verdict: 'ok', detail });
export const warn = (detail: string, fix: string): Finding => ({ verdict: 'warn', detail, fix });
export const fail = (detail: string, fix: string): Finding => ({ verdict: 'fail', detail, fix });
export const unknown = (detail: string, fix?: string): Finding => ({ verdict: 'unknown', detail, ...(fix ? { fix } : {}) });
