import { alarmsStep } from './alarms-step.js';
import { appClientStep } from './app-client-step.js';
import { frontendEnvStep } from './frontend-env-step.js';
import { functionStep } from './function-step.js';
import { logGroupsStep } from './log-groups-step.js';
import { permissionsStep } from './permissions-step.js';
import { rateLimitTableStep } from './rate-limit-table-step.js';
import { roleStep } from './role-step.js';
import { sesDomainStep } from './ses-domain-step.js';
import { sesIdentityStep } from './ses-identity-step.js';
import { userPoolStep } from './user-pool-step.js';
import { wafStep } from './waf-step.js';

/**
 * The stack, in dependency order (each step lists what it needs; the runner starts a step as
 * soon as those are done). Teardown walks this list backwards.
 */
export const STEPS = [
  logGroupsStep,
  roleStep,
  sesIdentityStep,
  sesDomainStep,
  rateLimitTableStep,
  functionStep('define-auth-challenge'),
  functionStep('create-auth-challenge'),
  functionStep('verify-auth-challenge'),
  functionStep('pre-sign-up'),
  functionStep('post-authentication'),
  userPoolStep,
  permissionsStep,
  appClientStep,
  frontendEnvStep,
  alarmsStep,
  wafStep,
] as const;

/** The ids of the steps, derived from the list: adding a step adds its id. */
export type KnownStepId = (typeof STEPS)[number]['id'];
