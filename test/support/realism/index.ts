import { cognitoClientWriteAttributesRule } from './cognito-client-write-attributes.js';
import { cognitoPoolDomainRule, cognitoUserPoolRule } from './cognito-user-pool.js';
import { dynamodbTableStatusRule } from './dynamodb-table-status.js';
import { iamConcurrencyRule } from './iam-concurrency.js';
import { iamPropagationRule } from './iam-propagation.js';
import { lambdaGetFunctionTagsRule } from './lambda-tags.js';
import { lambdaStatesRule } from './lambda-states.js';
import { nameLimitsRule } from './name-limits.js';
import { wafAssociationPropagationRule } from './waf-association-propagation.js';
import { wafDeleteAssociatedRule } from './waf-delete-associated.js';
import { wafRateBasedLimitsRule } from './waf-rate-based-limits.js';
import { wafResourceArnRule } from './waf-resource-arn.js';
import type { RealismCall, RealismError, RealismRule } from './types.js';

export type { RealismCall, RealismError, RealismRule } from './types.js';

/**
 * The realism layer: the rules that make moto answer as AWS does where the two are known to
 * differ. The recording proxy applies it to every call by default, so the integration, crash and
 * fault tests meet AWS's strictness, and a regression of a fix for one of these differences fails
 * `npm test`.
 */
export interface Realism {
  readonly rules: RealismRule[];
  /** Rule ids switched off for the current test (reset() switches them on again). */
  readonly disabled: Set<string>;
  /** How many answers each rule changed or refused, by rule id. */
  readonly fired: Record<string, number>;
  /** The answer AWS would give instead of moto's (and the id of the rule that knows it). */
  request(call: RealismCall): Promise<(RealismError & { rule: string }) | undefined>;
  response(call: RealismCall, body: Record<string, any>): Record<string, any> | undefined;
  settled(call: RealismCall, status: number): void;
  reset(): void;
}

export function defaultRules(): RealismRule[] {
  // Name limits first: AWS validates the request before anything else happens.
  return [
    nameLimitsRule(),
    cognitoUserPoolRule(),
    cognitoPoolDomainRule(),
    cognitoClientWriteAttributesRule(),
    lambdaGetFunctionTagsRule(),
    lambdaStatesRule(),
    iamConcurrencyRule(),
    iamPropagationRule(),
    dynamodbTableStatusRule(),
    wafResourceArnRule(),
    wafRateBasedLimitsRule(),
    wafAssociationPropagationRule(),
    wafDeleteAssociatedRule(),
  ];
}

export function createRealism(rules: RealismRule[] = defaultRules()): Realism {
  const disabled = new Set<string>();
  const fired: Record<string, number> = {};
  const active = () => rules.filter((r) => !disabled.has(r.id));
  const count = (id: string) => (fired[id] = (fired[id] ?? 0) + 1);
  return {
    rules,
    disabled,
    fired,
    async request(call) {
      for (const rule of active()) {
        const verdict = await rule.request?.(call);
        if (verdict) {
          count(rule.id);
          return { ...verdict.error, rule: rule.id };
        }
      }
      return undefined;
    },
    response(call, body) {
      let changed: Record<string, any> | undefined;
      for (const rule of active()) {
        const next = rule.response?.(call, changed ?? body);
        if (next) {
          count(rule.id);
          changed = next;
        }
      }
      return changed;
    },
    settled(call, status) {
      for (const rule of active()) rule.settled?.(call, status);
    },
    reset() {
      for (const rule of rules) rule.reset();
      disabled.clear();
      for (const k of Object.keys(fired)) delete fired[k];
    },
  };
}
