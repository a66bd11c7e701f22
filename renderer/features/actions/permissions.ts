import type { AccountView } from '../../../common/api/account-view.ts';
import type { ActionName } from '../../../common/api/actions.ts';
import type { AdminIdentity, Permission, Role } from '../../../common/api/auth.ts';
import { ACTION_CATALOG, ACTION_ORDER } from './action-catalog.ts';

/**
 * The console mirrors what the service enforces (service/domain/admin/permissions.ts), so it
 * never offers an action the signed-in role may not take; the service still decides.
 */
const RANK: Record<Role, number> = { helpdesk: 1, administrator: 2, super_admin: 3 };

/** True when the administrator holds this permission in the organization. */
export function holds(admin: AdminIdentity, permission: Permission, organizationId: string) {
  return admin.grants.some(
    (g) =>
      (g.role === 'super_admin' || g.organizationId === organizationId) &&
      g.permissions.includes(permission),
  );
}

function rankIn(admin: AdminIdentity, organizationId: string): number {
  return Math.max(
    0,
    ...admin.grants
      .filter((g) => g.role === 'super_admin' || g.organizationId === organizationId)
      .map((g) => RANK[g.role]),
  );
}

function accountRank(view: AccountView): number {
  return Math.max(0, ...view.roles.map((r) => RANK[r.role as Role] ?? 0));
}

/** Why no action is offered on this account at all, or null when some may be. */
export function whyNoActions(admin: AdminIdentity, view: AccountView): string | null {
  if (view.id === admin.accountId)
    return 'This is your own account: use the Log In pages to change it.';
  if (accountRank(view) >= rankIn(admin, view.organization.id))
    return 'This account holds as much power as yours or more: ask someone with a higher role.';
  return null;
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

/** The roles this administrator may grant or revoke in the organization: those below their own. */
export function assignableRoles(admin: AdminIdentity, organizationId: string): Role[] {
  const own = rankIn(admin, organizationId);
  return (['helpdesk', 'administrator'] as const).filter((role) => RANK[role] < own);
}

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
