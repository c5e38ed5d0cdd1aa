import type { Step } from '../core/step.js';
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
export const STEPS: readonly Step[] = [
  logGroupsStep as Step,
  roleStep as Step,
  sesIdentityStep as Step,
  sesDomainStep as Step,
  rateLimitTableStep as Step,
  functionStep('define-auth-challenge') as Step,
  functionStep('create-auth-challenge') as Step,
  functionStep('verify-auth-challenge') as Step,
  functionStep('pre-sign-up') as Step,
  functionStep('post-authentication') as Step,
  userPoolStep as Step,
  permissionsStep as Step,
  appClientStep as Step,
  frontendEnvStep as Step,
  alarmsStep as Step,
  wafStep as Step,
];
