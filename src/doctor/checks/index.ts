import type { Check } from '../check.js';
import { accountCheck } from './account-check.js';
import { clientCheck } from './client-check.js';
import { emailOwnershipCheck } from './email-ownership-check.js';
import { handlersCheck } from './handlers-check.js';
import { logRetentionCheck, recentErrorsCheck } from './logs-checks.js';
import { permissionsCheck } from './permissions-check.js';
import { senderCheck } from './sender-check.js';
import { sesAccountCheck } from './ses-account-check.js';
import { triggersCheck } from './triggers-check.js';
import { wafCheck } from './waf-check.js';

/** In the order of the guide's troubleshooting section: can we send, is Cognito wired, do the handlers work. */
export const CHECKS: readonly Check[] = [
  accountCheck,
  senderCheck,
  sesAccountCheck,
  triggersCheck,
  permissionsCheck,
  clientCheck,
  emailOwnershipCheck,
  wafCheck,
  handlersCheck,
  logRetentionCheck,
  recentErrorsCheck,
];
