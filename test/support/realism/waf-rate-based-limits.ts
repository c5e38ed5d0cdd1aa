import type { RealismRule } from './types.js';

const WINDOWS = [60, 120, 300, 600];

/** Every RateBasedStatement in a list of rules, nested ones included. */
function rateStatements(value: unknown): Array<Record<string, unknown>> {
  if (!value || typeof value !== 'object') return [];
  const found: Array<Record<string, unknown>> = [];
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    if (key === 'RateBasedStatement' && inner && typeof inner === 'object') found.push(inner as Record<string, unknown>);
    found.push(...rateStatements(inner));
  }
  return found;
}

/**
 * A rate-based rule's limit is at least 10 ("The lowest limit setting allowed is 10") and its
 * evaluation window one of 60, 120, 300 or 600 seconds; AWS refuses anything else with
 * WAFInvalidParameterException. moto stores any number.
 */
export function wafRateBasedLimitsRule(): RealismRule {
  return {
    id: 'waf-rate-based-limits',
    sources: [
      'https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html',
      'https://docs.aws.amazon.com/waf/latest/APIReference/API_RateBasedStatement.html',
    ],
    request(call) {
      if (call.service !== 'wafv2' || !call.json || !['CreateWebACL', 'UpdateWebACL'].includes(call.action)) return undefined;
      for (const s of rateStatements(call.json.Rules)) {
        const limit = Number(s.Limit);
        const window = s.EvaluationWindowSec === undefined ? 300 : Number(s.EvaluationWindowSec);
        const bad = !(limit >= 10 && limit <= 2_000_000_000)
          ? ['LIMIT', String(s.Limit)]
          : !WINDOWS.includes(window)
            ? ['EVALUATION_WINDOW_SEC', String(window)]
            : undefined;
        if (bad) {
          return {
            error: {
              status: 400,
              type: 'WAFInvalidParameterException',
              message: `Error reason: The parameter contains formatting that's not valid., field: ${bad[0]}, parameter: ${bad[1]}`,
            },
          };
        }
      }
      return undefined;
    },
    reset() {},
  };
}
