import type { AccountView } from '../../../common/api/account-view.ts';
import type { AdminIdentity } from '../../../common/api/auth.ts';
import { ACTION_CATALOG } from '../actions/action-catalog.ts';
import { holds } from '../../../common/api/permission-rules.ts';
import { whyNoActions } from '../actions/permissions.ts';

/**
 * Why an account without a security question offers so little, and who can do more: the
 * helpdesk otherwise sees only "Send username reminder" and no way forward (issue 15).
 * Empty when the account has a question, is disabled or shared, or no action is offered at all
 * (the action bar already says why).
 */
export function missingActionReasons(admin: AdminIdentity, view: AccountView): string[] {
  if (view.securityQuestion !== null || view.status.disabled || view.shared) return [];
  if (whyNoActions(admin, view)) return [];
  const reasons = [
    `No reset link can be sent: the forgotten-password flow needs the holder’s security question, and this account has none (the holder is asked to choose one at the next sign-in).`,
  ];
  const temporary = ACTION_CATALOG['set-temporary-password'];
  if (!holds(admin, temporary.permission, view.organization.id))
    reasons.push(
      `A temporary password needs the “${temporary.label}” permission, which your role does not hold in ${view.organization.name}: administrators and super-administrators hold it; a helpdesk role only when the organization’s policy grants it.`,
    );
  return reasons;
}
