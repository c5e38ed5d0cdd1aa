import type { IoHost } from '../core/io.js';
import { isOtpError } from '../core/errors.js';
import { runChecks, type CheckResult, type Verdict } from '../doctor/check.js';
import { CHECKS } from '../doctor/checks/index.js';
import { doctorLookups } from '../doctor/lookups.js';
import type { CommandEnv } from './deps.js';
import { openStack } from './stack-context.js';

const MARK: Record<Verdict, string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL', unknown: '??  ' };

/** Errors that mean "these credentials cannot reach this account": the first check's failure. */
const CREDENTIAL_ERRORS = new Set(['NO_CREDENTIALS', 'INVALID_CREDENTIALS', 'ACCESS_DENIED', 'ENDPOINT_UNREACHABLE']);

function report(io: IoHost, results: CheckResult[]): number {
  for (const r of results) {
    io.out(`${MARK[r.verdict]}  ${r.title.padEnd(36)} ${r.detail}`);
    if (r.fix && r.verdict !== 'ok') io.out(`      fix: ${r.fix}`);
  }
  const count = (v: Verdict) => results.filter((r) => r.verdict === v).length;
  const counts = { ok: count('ok'), warn: count('warn'), fail: count('fail'), unknown: count('unknown') };
  io.out('');
  io.out(
    `${counts.fail === 0 ? 'No failing checks' : `${counts.fail} failing check(s)`}: ${counts.ok} ok, ${counts.warn} warning(s), ${counts.unknown} unknown.`,
  );
  io.result({ ok: counts.fail === 0, command: 'doctor', counts, checks: results });
  return counts.fail === 0 ? 0 : 1;
}

/** The guide's troubleshooting section as checks with verdicts; read-only, exit 1 if any check fails. */
export async function doctorCommand(env: CommandEnv): Promise<number> {
  const { io } = env;
  let stack;
  try {
    stack = await openStack(env);
  } catch (err) {
    if (!isOtpError(err) || !CREDENTIAL_ERRORS.has(err.code)) throw err;
    return report(io, [
      {
        id: 'credentials',
        title: 'AWS credentials and account',
        verdict: 'fail',
        detail: err.message,
        ...(err.resolution ? { fix: err.resolution } : {}),
      },
    ]);
  }
  try {
    const { ctx } = stack;
    io.info(`otp-setup doctor · stack ${ctx.names.stackId} · ${ctx.region} · account ${ctx.accountId}`);
    const results = await runChecks(CHECKS, { ctx, lookups: doctorLookups(ctx), now: env.deps.now() });
    return report(io, results);
  } finally {
    await stack.close();
  }
}
