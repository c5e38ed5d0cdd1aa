import type { StepReport } from '../core/runner.js';

export function countActions(reports: readonly StepReport[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of reports) counts[r.action] = (counts[r.action] ?? 0) + 1;
  return counts;
}

export function describeCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([action, n]) => `${n} ${action}`)
    .join(', ');
}

function formatValue(value: unknown): string {
  if (value === undefined) return '(none)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function diffLines(reports: readonly StepReport[]): string[] {
  const lines: string[] = [];
  for (const r of reports) {
    // A create has nothing to compare against; its summary line says what it makes.
    if (!['updated', 'replaced', 'would-update', 'would-replace'].includes(r.action)) continue;
    for (const d of r.diffs) lines.push(`  ${r.title} · ${d.field}: ${formatValue(d.actual)} → ${formatValue(d.desired)}`);
  }
  return lines;
}

/**
 * How to type otp-setup in a printed next step: installed in a project (run through npm/npx) it
 * is not on the PATH, so a bare "otp-setup …" would fail with "command not found".
 */
export function cliName(env: NodeJS.ProcessEnv): string {
  return env.npm_command !== undefined || env.npm_lifecycle_event === 'npx' ? 'npx otp-setup' : 'otp-setup';
}
