import type { AdminIdentity, Permission, Role } from './auth.ts';

/**
 * The permission rules, once: the service enforces them (service/domain/admin/permissions.ts)
 * and the console asks them so it never offers what the service would refuse.
 */

/** Power of a role: no one acts on an account that holds more (or as much) power than they do. */
export const ROLE_RANK: Record<Role, number> = { helpdesk: 1, administrator: 2, super_admin: 3 };

/** The highest rank among an account's roles (0 for an ordinary account). */
export const rankOfRoles = (roles: readonly string[]): number =>
  Math.max(0, ...roles.map((role) => ROLE_RANK[role as Role] ?? 0));

/** The administrator's rank in an organization (0 when they hold nothing there). */
export function rankIn(admin: AdminIdentity, organizationId: string): number {
  return Math.max(
    0,
    ...admin.grants
      .filter((g) => g.role === 'super_admin' || g.organizationId === organizationId)
      .map((g) => ROLE_RANK[g.role]),
  );
}

/** True when the administrator holds this permission in the organization. */
export function holds(
  admin: AdminIdentity,
  permission: Permission,
  organizationId: string,
): boolean {
  return admin.grants.some(
    (g) =>
      (g.role === 'super_admin' || g.organizationId === organizationId) &&
      g.permissions.includes(permission),
  );
}

/** The account an administrator would act on, as far as the rules need it. */
export interface ActionTarget {
  id: string;
  organizationId: string;
  /** rankOfRoles of the account's roles. */
  rank: number;
}

/** Why no action at all may be taken on an account, whatever the permission. */
export type NoActionReason = 'own_account' | 'outranked';

export const NO_ACTION_MESSAGES: Record<NoActionReason, string> = {
  own_account: 'This is your own account: use the Log In pages to change it.',
  outranked: 'This account holds as much power as yours or more: ask someone with a higher role.',
};

/** Why the administrator may take no action on this account, or null when some may be taken. */
export function whyNoActions(admin: AdminIdentity, target: ActionTarget): NoActionReason | null {
  if (target.id === admin.accountId) return 'own_account';
  if (target.rank >= rankIn(admin, target.organizationId)) return 'outranked';
  return null;
}

/** The roles an administrator may grant or revoke in the organization: those below their own. */
export function assignableRoles(admin: AdminIdentity, organizationId: string): Role[] {
  const own = rankIn(admin, organizationId);
  return (['helpdesk', 'administrator'] as const).filter((role) => ROLE_RANK[role] < own);
}
