import {
  PERMISSIONS,
  type AdminIdentity,
  type Permission,
  type Role,
} from '../../../common/api/auth.ts';
import { rankOfRoles } from '../../../common/api/permission-rules.ts';
import type { CompiledQuery } from 'kysely';
import type { Db } from '../../store/schema.ts';
import { placeholder, withValues } from '../../store/compiled-once.ts';
import { parsePolicy, type OrganizationPolicy } from '../policy.ts';

/** The permissions a role carries in an organization with this policy. */
export function rolePermissions(role: Role, policy: OrganizationPolicy): Permission[] {
  if (role === 'helpdesk') return [...policy.helpdeskPermissions];
  return [...PERMISSIONS];
}

/** One row per role grant of the administrator, with the policies that shape it. */
interface GrantRow {
  id: string;
  username: string;
  name: string;
  own_policy: string;
  role: string;
  organization_id: string | null;
  organization_name: string | null;
  organization_policy: string | null;
}

/** The administrator's account, its organization and every grant, in one statement. */
function grantRows(db: Db) {
  return db
    .selectFrom('accounts as a')
    .innerJoin('organizations as own', 'own.id', 'a.organization_id')
    .innerJoin('role_grants as g', 'g.account_id', 'a.id')
    .leftJoin('organizations as o', 'o.id', 'g.organization_id')
    .select([
      'a.id',
      'a.username',
      'a.name',
      'own.policy as own_policy',
      'g.role',
      'g.organization_id',
      'o.name as organization_name',
      'o.policy as organization_policy',
    ]);
}

// Policies change rarely and every request needs them: parse each distinct text once.
const parsedPolicies = new Map<string, OrganizationPolicy>();
function cachedPolicy(json: string): OrganizationPolicy {
  let policy = parsedPolicies.get(json);
  if (!policy) {
    if (parsedPolicies.size >= 1000) parsedPolicies.clear();
    policy = parsePolicy(json);
    parsedPolicies.set(json, policy);
  }
  return policy;
}

function identityOf(rows: GrantRow[]): AdminIdentity | undefined {
  const first = rows[0];
  if (!first) return undefined;
  const own = cachedPolicy(first.own_policy);
  const policyOf = (g: GrantRow) =>
    g.organization_policy ? cachedPolicy(g.organization_policy) : own;
  return {
    accountId: first.id,
    username: first.username,
    name: first.name,
    superAdmin: rows.some((g) => g.role === 'super_admin'),
    grants: rows.map((g) => {
      const role = g.role as Role;
      return {
        role,
        organizationId: g.organization_id,
        organizationName: g.organization_name,
        permissions: rolePermissions(role, policyOf(g)),
      };
    }),
    idleLockMinutes: Math.min(own.idleLockMinutes, ...rows.map((g) => policyOf(g).idleLockMinutes)),
  };
}

/** Loads who an administrator is and what they may do where. */
export async function loadAdminIdentity(
  db: Db,
  accountId: string,
): Promise<AdminIdentity | undefined> {
  return identityOf(await grantRows(db).where('a.id', '=', accountId).execute());
}

const tokenLookups = new WeakMap<Db, CompiledQuery<GrantRow>>();

/** The token lookup, compiled once per database handle (compiled-once.ts). */
function tokenLookup(db: Db): CompiledQuery<GrantRow> {
  let compiled = tokenLookups.get(db);
  if (!compiled) {
    compiled = grantRows(db)
      .innerJoin('api_tokens as t', 't.account_id', 'a.id')
      .where('t.token_hash', '=', placeholder<string>('tokenHash'))
      .where('t.kind', '=', 'access')
      .where('t.revoked_at', 'is', null)
      .where('t.expires_at', '>', placeholder<number>('now'))
      .where('a.disabled_at', 'is', null)
      .compile();
    tokenLookups.set(db, compiled);
  }
  return compiled;
}

/**
 * The administrator a live access token stands for (R12: only the token's hash is looked up),
 * in one statement: every API request pays for this, so it is one round trip, not four.
 */
export async function adminOfAccessToken(
  db: Db,
  now: number,
  tokenHash: string,
): Promise<AdminIdentity | undefined> {
  const { rows } = await db.executeQuery(withValues(tokenLookup(db), { tokenHash, now }));
  return identityOf(rows);
}

/** The organizations an administrator may see; null means every organization. */
export function visibleOrganizations(admin: AdminIdentity): string[] | null {
  if (admin.superAdmin) return null;
  return [...new Set(admin.grants.flatMap((g) => (g.organizationId ? [g.organizationId] : [])))];
}

/** The highest rank an account holds anywhere (0 for an ordinary account). */
export async function accountRank(db: Db, accountId: string): Promise<number> {
  const grants = await db
    .selectFrom('role_grants')
    .select('role')
    .where('account_id', '=', accountId)
    .execute();
  return rankOfRoles(grants.map((g) => g.role));
}
