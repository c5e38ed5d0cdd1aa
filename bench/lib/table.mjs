// Formatting: numbers, verdicts, and the markdown table.
export const ms = (x) => (x >= 100 ? `${x.toFixed(0)} ms` : `${x.toFixed(1)} ms`);
export const us = (x) => `${x.toFixed(1)} µs`;
export const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
export const mb = (kib) => `${(kib / 1024).toFixed(0)} MB`;
export const times = (x) => `${x.toFixed(1)}×`;

export const verdict = (ok) => (ok === undefined ? 'info' : ok ? '✅ meets' : '❌ misses');

export function markdownTable(rows) {
  const head = ['metric', 'otp-setup', 'guide', 'ratio', 'target', 'verdict'];
  const esc = (s) => String(s ?? '—').replaceAll('|', '\\|');
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${[r.metric, r.ours, r.guide, r.ratio, r.target, verdict(r.ok)].map(esc).join(' | ')} |`),
  ].join('\n');
}

/** Per-command table: wall time next to the critical path (sequential AWS round trips). */
export function commandTable(rows) {
  const head = [
    'command',
    'otp-setup',
    'time split: before / AWS calls / after',
    'round trips (critical path)',
    'calls / most in flight',
    'guide',
    'ratio',
    'target',
    'verdict',
  ];
  const esc = (s) => String(s ?? '—').replaceAll('|', '\\|');
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map(
      (r) => `| ${[r.command, r.ours, r.split, r.path, r.calls, r.guide, r.ratio, r.target, verdict(r.ok)].map(esc).join(' | ')} |`,
    ),
  ].join('\n');
}
