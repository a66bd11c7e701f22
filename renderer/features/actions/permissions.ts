import type { AccountView } from '../../../common/api/account-view.ts';
import type { ActionName } from '../../../common/api/actions.ts';
import type { AdminIdentity, Permission } from '../../../common/api/auth.ts';
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

/** True when the administrator holds the permission in some organization (or everywhere). */
export const holdsSomewhere = (admin: AdminIdentity, permission: Permission): boolean =>
  admin.grants.some((g) => g.permissions.includes(permission));

/**
 * The organizations where the administrator holds `permission`, by name: those of their grants,
 * and for a super-administrator every organization the service listed.
 */
export function organizationsWith(
  admin: AdminIdentity,
  permission: Permission,
  listed: ReadonlyArray<{ id: string; name: string }>,
): Array<{ id: string; name: string }> {
  const found = new Map<string, string>();
  const everywhere = admin.grants.some(
    (g) => g.role === 'super_admin' && g.permissions.includes(permission),
  );
  for (const o of listed) if (everywhere || holds(admin, permission, o.id)) found.set(o.id, o.name);
  for (const g of admin.grants)
    if (g.organizationId && g.permissions.includes(permission) && !found.has(g.organizationId))
      found.set(g.organizationId, g.organizationName ?? g.organizationId);
  return [...found]
    .map(([id, name]) => ({ id, name }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Issue 16: username, email, name or phone may be corrected here. */
export const mayEditIdentity = (admin: AdminIdentity, view: AccountView): boolean =>
  !whyNoActions(admin, view) && holds(admin, 'edit_identity', view.organization.id);

/** Issue 16: the products the account may use may be changed here. */
export const mayManageProducts = (admin: AdminIdentity, view: AccountView): boolean =>
  !whyNoActions(admin, view) && holds(admin, 'manage_product_access', view.organization.id);

/**
 * Issue 16: a move needs edit_identity where the account is and create_accounts where it goes,
 * so it is offered when some other organization takes new accounts from this administrator.
 */
export const mayMove = (admin: AdminIdentity, view: AccountView): boolean =>
  mayEditIdentity(admin, view) &&
  admin.grants.some(
    (g) =>
      g.permissions.includes('create_accounts') &&
      (g.role === 'super_admin' || g.organizationId !== view.organization.id),
  );
