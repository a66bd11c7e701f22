import type { AccountView } from '../../../common/api/account-view.ts';
import type { ActionName } from '../../../common/api/actions.ts';
import type { AdminIdentity } from '../../../common/api/auth.ts';
import {
  assignableRoles,
  holds,
  NO_ACTION_MESSAGES,
  rankOfRoles,
  whyNoActions as ruleWhyNoActions,
} from '../../../common/api/permission-rules.ts';
import { ACTION_CATALOG, ACTION_ORDER } from './action-catalog.ts';

// The rules are the service's own (common/api/permission-rules.ts): the console never offers an
// action the signed-in role may not take; the service still decides.

/** Why no action is offered on this account at all (in words), or null when some may be. */
export function whyNoActions(admin: AdminIdentity, view: AccountView): string | null {
  const why = ruleWhyNoActions(admin, {
    id: view.id,
    organizationId: view.organization.id,
    rank: rankOfRoles(view.roles.map((r) => r.role)),
  });
  return why && NO_ACTION_MESSAGES[why];
}

/** The actions offered on this account: allowed to this administrator, and sensible now. */
export function offeredActions(admin: AdminIdentity, view: AccountView): ActionName[] {
  if (whyNoActions(admin, view)) return [];
  return ACTION_ORDER.filter((name) => {
    const info = ACTION_CATALOG[name];
    return holds(admin, info.permission, view.organization.id) && info.applies(view);
  });
}

/** True when the administrator may queue a failed email again here. */
export const mayResend = (admin: AdminIdentity, view: AccountView): boolean =>
  !whyNoActions(admin, view) && holds(admin, 'resend_mail', view.organization.id);

/** True when the administrator may edit the holders of this shared login. */
export const mayEditHolders = (admin: AdminIdentity, view: AccountView): boolean =>
  view.shared && !whyNoActions(admin, view) && holds(admin, 'manage_shared', view.organization.id);

/** True when the administrator may change this account's roles at all (SPEC §3, R67). */
export const mayManageRoles = (admin: AdminIdentity, view: AccountView): boolean =>
  !whyNoActions(admin, view) &&
  holds(admin, 'manage_roles', view.organization.id) &&
  assignableRoles(admin, view.organization.id).length > 0;
