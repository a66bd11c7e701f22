import type { AccountView } from '../../../common/api/account-view.ts';
import type { ActionName } from '../../../common/api/actions.ts';
import type { Permission } from '../../../common/api/auth.ts';

/** What the console knows about an action before offering it. */
export interface ActionInfo {
  /** The button. */
  label: string;
  /** The letter of its Alt+letter shortcut (action-shortcuts.ts says which letters are free). */
  key: string;
  /** The dialog's confirming button. */
  confirm: string;
  /** One sentence under the dialog's title: what will happen. */
  explains: string;
  /** The permission the service checks (mirrors service/domain/admin/actions). */
  permission: Permission;
  /** The service refuses without a verified caller (R47). */
  needsVerification: boolean;
  /** The password changes: the dialog shows every product and how many sessions end. */
  changesPassword: boolean;
  /** Administrator-only by default: never in a helpdesk's default grant. */
  administrative: boolean;
  /** Whether the action makes sense for the account as it is now. */
  applies(view: AccountView): boolean;
}

const active = (v: AccountView) => !v.status.disabled;

/** Every action, in the order the action bar shows them; the Record keeps it exhaustive. */
export const ACTION_CATALOG: Record<ActionName, ActionInfo> = {
  'send-reset-email': {
    label: 'Send reset email',
    key: 'R',
    confirm: 'Send reset email',
    explains: 'Emails a forgotten-password link, as the holder’s own request would.',
    permission: 'send_link',
    needsVerification: false,
    changesPassword: false,
    administrative: false,
    applies: (v) => active(v) && v.securityQuestion !== null,
  },
  'send-username-reminder': {
    label: 'Send username reminder',
    key: 'M',
    confirm: 'Send username reminder',
    explains: 'Emails every username registered to the account’s address.',
    permission: 'send_link',
    needsVerification: false,
    changesPassword: false,
    administrative: false,
    applies: active,
  },
  unlock: {
    label: 'Unlock',
    key: 'U',
    confirm: 'Unlock account',
    explains: 'Clears the lockout and the failed-attempt count; the owner is told by email.',
    permission: 'unlock',
    needsVerification: true,
    changesPassword: false,
    administrative: false,
    applies: (v) => v.status.locked || v.status.failedAttempts > 0,
  },
  'end-sessions': {
    label: 'End sessions',
    key: 'S',
    confirm: 'End every session',
    explains: 'Signs the account out of every product.',
    permission: 'end_sessions',
    needsVerification: false,
    changesPassword: false,
    administrative: false,
    applies: (v) => v.passwordChangeImpact.liveSessions > 0,
  },
  'invalidate-links': {
    label: 'Invalidate reset links',
    key: 'L',
    confirm: 'Invalidate links',
    explains: 'Kills every outstanding reset link of this account.',
    permission: 'send_link',
    needsVerification: false,
    changesPassword: false,
    administrative: false,
    applies: (v) => v.resetLinks.some((l) => l.state === 'outstanding'),
  },
  'set-temporary-password': {
    label: 'Set temporary password',
    key: 'T',
    confirm: 'Set temporary password',
    explains:
      'The service generates a password, shown once, valid 24 hours, to be changed at the first sign-in.',
    permission: 'set_password',
    needsVerification: true,
    changesPassword: true,
    administrative: true,
    applies: (v) => active(v) && !v.shared,
  },
  'clear-security-question': {
    label: 'Clear security question',
    key: 'Q',
    confirm: 'Clear security question',
    explains:
      'A new question is asked at the next sign-in; until then a forgotten-password email says to call an administrator.',
    permission: 'clear_question',
    needsVerification: true,
    changesPassword: false,
    administrative: true,
    applies: (v) => v.securityQuestion !== null,
  },
  'reset-shared-login': {
    label: 'Reset shared login',
    key: 'P',
    confirm: 'Reset shared login',
    explains:
      'Sets a new password for this shared login and gives it to the holder on the phone, to share with the others.',
    permission: 'manage_shared',
    needsVerification: true,
    changesPassword: true,
    administrative: true,
    applies: (v) => active(v) && v.shared,
  },
  'convert-shared-login': {
    label: 'Convert to personal accounts',
    key: 'C',
    confirm: 'Convert shared login',
    explains:
      'Creates one personal account per holder with the same products, invites each by email, then disables the shared login.',
    permission: 'manage_shared',
    needsVerification: false,
    changesPassword: false,
    administrative: true,
    applies: (v) => active(v) && v.shared && v.holders.length > 0,
  },
  disable: {
    label: 'Disable',
    key: 'D',
    confirm: 'Disable account',
    explains: 'No sign-in; every session and reset link ends.',
    permission: 'disable',
    needsVerification: false,
    changesPassword: false,
    administrative: true,
    applies: active,
  },
  enable: {
    label: 'Enable',
    key: 'N',
    confirm: 'Enable account',
    explains: 'The account can sign in again.',
    permission: 'disable',
    needsVerification: false,
    changesPassword: false,
    administrative: true,
    applies: (v) => v.status.disabled,
  },
};

export const ACTION_ORDER = Object.keys(ACTION_CATALOG) as ActionName[];
