import { sql } from 'kysely';
import type { AdminIdentity, Role } from '../../../common/api/auth.ts';
import { DomainError, notFound } from '../domain-error.ts';
import type { ServiceContext } from '../../context.ts';
import type { Account, Db } from '../../store/schema.ts';
import { newId } from '../../ids.ts';
import { recordAudit } from '../audit.ts';
import { versionFromIfMatch } from '../../../common/api/etags.ts';
import { bumpVersion } from './account-view.ts';
import { accountInScope, staleAccount } from './action-runner.ts';
import {
  assignableRoles,
  holds,
  NO_ACTION_MESSAGES,
  rankIn,
} from '../../../common/api/permission-rules.ts';
import { accountRank } from './permissions.ts';

export interface RoleChange {
  accountId: string;
  role: Role;
  /** null only for super_admin, which holds for every organization. */
  organizationId: string | null;
  reason: string;
}

export type RoleChangeKind = 'grant' | 'revoke';

/** Orders role changes on PostgreSQL, so two revocations cannot both leave the other as the last super-administrator. */
const ROLES_LOCK = 7_461_747;

const roleName = (role: Role) => role.replace('_', '-');

/** The refusals shared by grant and revoke: shape, scope, permission, rank, power of the target. */
async function authorize(
  db: Db,
  admin: AdminIdentity,
  change: RoleChange,
  kind: RoleChangeKind,
): Promise<Account> {
  if ((change.role === 'super_admin') !== (change.organizationId === null)) {
    throw new DomainError(
      'validation_failed',
      change.role === 'super_admin'
        ? 'organizationId: a super-administrator holds for every organization; send null.'
        : 'organizationId: name the organization the role holds in.',
      'organizationId',
    );
  }
  const account = await accountInScope(db, admin, change.accountId);
  if (change.organizationId !== null) {
    const org = await db
      .selectFrom('organizations')
      .select('id')
      .where('id', '=', change.organizationId)
      .executeTakeFirst();
    if (!org) throw notFound('organization');
  }
  if (change.role === 'super_admin' && !admin.superAdmin)
    throw new DomainError(
      'forbidden',
      `Only a super-administrator can ${kind} the super-administrator role.`,
    );
  if (admin.superAdmin) return account;

  const organizationId = change.organizationId ?? '';
  if (!holds(admin, 'manage_roles', organizationId))
    throw new DomainError('forbidden', 'Your role does not allow managing roles there.');
  if (!assignableRoles(admin, organizationId).includes(change.role))
    throw new DomainError(
      'forbidden',
      change.role === 'administrator'
        ? `Only a super-administrator can ${kind} the administrator role.`
        : `You can ${kind} only roles below your own.`,
    );
  if (account.id === admin.accountId)
    throw new DomainError('forbidden', 'Ask another administrator to change your own roles.');
  if ((await accountRank(db, account.id)) >= rankIn(admin, organizationId))
    throw new DomainError('forbidden', NO_ACTION_MESSAGES.outranked);
  return account;
}

const grantRow = (db: Db, change: RoleChange) =>
  db
    .selectFrom('role_grants')
    .select(['id'])
    .where('account_id', '=', change.accountId)
    .where('role', '=', change.role)
    .where((eb) =>
      change.organizationId === null
        ? eb('organization_id', 'is', null)
        : eb('organization_id', '=', change.organizationId),
    )
    .executeTakeFirst();

/** Super-administrators, other than the grant being revoked, who can still sign in. */
async function otherSuperAdmins(trx: Db, grantId: string): Promise<number> {
  const row = await trx
    .selectFrom('role_grants')
    .innerJoin('accounts', 'accounts.id', 'role_grants.account_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('role_grants.role', '=', 'super_admin')
    .where('role_grants.id', '!=', grantId)
    .where('accounts.disabled_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Grants or revokes a role (SPEC §3 roles): `manage_roles` in that organization, only roles
 * below one's own rank (an administrator grants helpdesk; only a super-administrator grants
 * administrator or super-administrator), never on an account as powerful as oneself (R67),
 * never to a shared login (SPEC §7, R73), never the last super-administrator away. The change
 * and its audit event commit together (R79), with the account's version bumped: `ifMatch` is the
 * ETag of the account view the administrator saw (428 without it, 412 when it is old). Answers
 * whether anything changed: granting a role already held is safe to repeat.
 */
export async function changeRole(
  ctx: ServiceContext,
  admin: AdminIdentity,
  change: RoleChange,
  kind: RoleChangeKind,
  ip: string | null,
  ifMatch: string | undefined,
): Promise<{ changed: boolean }> {
  const account = await authorize(ctx.db, admin, change, kind);
  if (!ifMatch)
    throw new DomainError(
      'precondition_required',
      'Send If-Match with the ETag of the account view you acted on.',
    );
  if (versionFromIfMatch(ifMatch) !== account.version) return staleAccount(ctx, account);
  const outcome = await applyRoleChange(ctx, admin, account, change, kind, ip);
  return outcome === 'stale' ? staleAccount(ctx, account) : outcome;
}

async function applyRoleChange(
  ctx: ServiceContext,
  admin: AdminIdentity,
  account: Account,
  change: RoleChange,
  kind: RoleChangeKind,
  ip: string | null,
): Promise<{ changed: boolean } | 'stale'> {
  if (kind === 'grant' && account.shared === 1)
    throw new DomainError(
      'validation_failed',
      'accountId: a shared login can never hold a role; convert it to personal accounts first.',
      'accountId',
    );
  return ctx.db.transaction().execute(async (trx) => {
    if (ctx.dialect === 'postgres')
      await sql`select pg_advisory_xact_lock(${ROLES_LOCK})`.execute(trx);
    const existing = await grantRow(trx, change);
    if (kind === 'grant' && existing) return { changed: false };
    // The account view lists roles: a change makes a new version, unless another came first.
    if (!(await bumpVersion(trx, account))) return 'stale' as const;
    if (kind === 'grant') {
      await trx
        .insertInto('role_grants')
        .values({
          id: newId(),
          account_id: account.id,
          role: change.role,
          organization_id: change.organizationId,
          created_at: ctx.clock.now(),
        })
        .execute();
    } else {
      if (!existing)
        throw new DomainError(
          'not_found',
          `This account does not hold the ${roleName(change.role)} role there.`,
        );
      if (change.role === 'super_admin' && (await otherSuperAdmins(trx, existing.id)) === 0)
        throw new DomainError(
          'conflict',
          'This is the last super-administrator who can sign in: grant the role to someone else first.',
        );
      await trx.deleteFrom('role_grants').where('id', '=', existing.id).execute();
    }
    await recordAudit(trx, ctx.clock, {
      type: 'admin_action',
      accountId: account.id,
      organizationId: change.organizationId ?? account.organization_id,
      actor: admin.accountId,
      ip,
      detail: {
        action: kind === 'grant' ? 'grant-role' : 'revoke-role',
        role: change.role,
        roleOrganizationId: change.organizationId,
        reason: change.reason,
        changedFields: ['roles'],
      },
    });
    return { changed: true };
  });
}
