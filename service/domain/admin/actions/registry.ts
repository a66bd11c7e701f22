import type { ActionName } from '../../../../common/api/actions.ts';
import type { ActionSpec } from '../action-runner.ts';
import {
  disable,
  enable,
  endSessions,
  invalidateLinks,
  sendResetEmail,
  sendUsernameReminder,
  unlock,
} from './access-actions.ts';
import { convertSharedLogin } from './convert-shared-login.ts';
import {
  clearSecurityQuestion,
  resetSharedLogin,
  setTemporaryPasswordAction,
} from './password-actions.ts';

/** Every action of `POST /accounts/:id/actions/:action`; the compiler checks none is missing. */
export const ACTION_SPECS: Record<ActionName, ActionSpec> = {
  'send-reset-email': sendResetEmail,
  'send-username-reminder': sendUsernameReminder,
  unlock,
  'end-sessions': endSessions,
  'invalidate-links': invalidateLinks,
  'set-temporary-password': setTemporaryPasswordAction,
  'clear-security-question': clearSecurityQuestion,
  'reset-shared-login': resetSharedLogin,
  'convert-shared-login': convertSharedLogin,
  disable,
  enable,
};
