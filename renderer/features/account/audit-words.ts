/** Audit event types in words (service/domain/audit.ts); an unknown type reads as itself. */
const TYPES: Record<string, string> = {
  sign_in: 'Signed in',
  sign_in_failed: 'Sign-in failed',
  lockout: 'Locked out',
  sign_out: 'Signed out',
  username_reminder_requested: 'Username reminder requested',
  reset_requested: 'Password reset requested',
  reset_link_opened: 'Reset link opened',
  challenge_passed: 'Security question answered',
  challenge_failed: 'Security question answered wrongly',
  password_changed: 'Password changed',
  password_rehashed: 'Password hash upgraded',
  security_question_set: 'Security question set',
  mail_sent: 'Email sent',
  mail_failed: 'Email failed',
  mail_dropped: 'Email dropped',
  account_created: 'Account created',
  account_imported: 'Account imported',
  admin_sign_in: 'Console sign-in',
  admin_sign_out: 'Console sign-out',
  admin_token_reuse: 'Console token reused (session revoked)',
  totp_enrolled: 'Authenticator enrolled',
  caller_verification: 'Caller verification',
  admin_action: 'Administrator action',
  authz_fail: 'Refused: not allowed for that role',
  product_sign_in: 'Signed in to a product',
  product_access_denied: 'Refused a product it may not use',
  product_logout_delivered: 'Product told to sign out',
  product_logout_failed: 'Product could not be told to sign out',
  oidc_client_registered: 'Product client registered',
  oidc_client_removed: 'Product client removed',
  oidc_key_rotated: 'Signing key rotated',
};

export const auditTypeWords = (type: string): string => TYPES[type] ?? type.replace(/_/g, ' ');

/** How a password changed (service/domain/password-change.ts and the temporary-password action). */
const HOW: Record<string, string> = {
  reset: 'forgotten-password flow',
  change: 'changed by the holder on the Log In pages',
  invite: 'set from an invitation link',
  temporary: 'temporary password set in the console',
  shared_reset: 'shared password given to a holder in the console',
};

export const passwordHowWords = (how: string | null): string =>
  how === null ? '—' : (HOW[how] ?? how);

const ACTIONS: Record<string, string> = {
  'send-reset-email': 'sent a reset email',
  'send-username-reminder': 'sent a username reminder',
  unlock: 'unlocked the account',
  'end-sessions': 'ended every session',
  'invalidate-links': 'invalidated the reset links',
  'set-temporary-password': 'set a temporary password',
  'clear-security-question': 'cleared the security question',
  'reset-shared-login': 'reset the shared login',
  'convert-shared-login': 'converted the shared login',
  disable: 'disabled the account',
  enable: 'enabled the account',
  'resend-mail': 'resent an email',
  'set-holders': 'changed the holders',
  'grant-role': 'granted a console role',
  'revoke-role': 'revoked a console role',
  'edit-policy': 'edited the organization’s policy',
  'add-product': 'added a product',
  'edit-product': 'changed a product',
};

export const actionWords = (action: unknown): string =>
  typeof action === 'string' ? (ACTIONS[action] ?? action) : 'acted';

const VERIFIED: Record<string, string> = {
  answer: 'caller verified by security answer',
  email_code: 'caller verified by emailed code',
  none: 'caller not verified',
};

export const verificationWords = (method: unknown): string =>
  typeof method === 'string' ? (VERIFIED[method] ?? method) : '';
