import {
  PERMISSIONS,
  type AdminIdentity,
  type Permission,
  type Role,
} from '../../../common/api/auth.ts';
import type { Db } from '../../context.ts';
import { parsePolicy, type OrganizationPolicy } from '../policy.ts';

/** Power of a role: no one acts on an account that holds more (or as much) power than they do. */
export const ROLE_RANK: Record<Role, number> = { helpdesk: 1, administrator: 2, super_admin: 3 };

/** The permissions a role carries in an organization with this policy. */
export function rolePermissions(role: Role, policy: OrganizationPolicy): Permission[] {
  if (role === 'helpdesk') return [...policy.helpdeskPermissions];
  return [...PERMISSIONS];
}

/** Loads who an administrator is and what they may do where. */
export async function loadAdminIdentity(
  db: Db,
  accountId: string,
): Promise<AdminIdentity | undefined> {
  const account = await db
    .selectFrom('accounts')
    .select(['id', 'username', 'name', 'organization_id'])
    .where('id', '=', accountId)
    .executeTakeFirst();
  if (!account) return undefined;
  const grants = await db
    .selectFrom('role_grants')
    .leftJoin('organizations', 'organizations.id', 'role_grants.organization_id')
    .select([
      'role_grants.role',
      'role_grants.organization_id',
      'organizations.name',
      'organizations.policy',
    ])
    .where('role_grants.account_id', '=', accountId)
    .execute();
  if (grants.length === 0) return undefined;
  const own = await db
    .selectFrom('organizations')
    .select('policy')
    .where('id', '=', account.organization_id)
    .executeTakeFirstOrThrow();
  const policies = [
    parsePolicy(own.policy),
    ...grants.flatMap((g) => (g.policy ? [parsePolicy(g.policy)] : [])),
  ];
  return {
    accountId: account.id,
    username: account.username,
    name: account.name,
    superAdmin: grants.some((g) => g.role === 'super_admin'),
    grants: grants.map((g) => {
      const role = g.role as Role;
      const policy = g.policy ? parsePolicy(g.policy) : parsePolicy(own.policy);
      return {
        role,
        organizationId: g.organization_id,
        organizationName: g.name ?? null,
        permissions: rolePermissions(role, policy),
      };
    }),
    idleLockMinutes: Math.min(...policies.map((p) => p.idleLockMinutes)),
  };
}

/** The organizations an administrator may see; null means every organization. */
export function visibleOrganizations(admin: AdminIdentity): string[] | null {
  if (admin.superAdmin) return null;
  return [...new Set(admin.grants.flatMap((g) => (g.organizationId ? [g.organizationId] : [])))];
}

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

/** The highest rank an account holds anywhere (0 for an ordinary account). */
export async function accountRank(db: Db, accountId: string): Promise<number> {
  const grants = await db
    .selectFrom('role_grants')
    .select('role')
    .where('account_id', '=', accountId)
    .execute();
  return Math.max(0, ...grants.map((g) => ROLE_RANK[g.role as Role] ?? 0));
}
