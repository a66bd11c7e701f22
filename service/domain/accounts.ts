import { createHash } from 'node:crypto';
import { usernameKey } from '../../common/api/account-fields.ts';
import type { Account, Db, Holder } from '../store/schema.ts';
import { parsePolicy, type OrganizationPolicy } from './policy.ts';
import { byDisplayOrder } from './products.ts';

/** Emails compare by their stored form, lower-cased; no further folding (R8). */
export const emailKey = (email: string): string => email.normalize('NFKC').trim().toLowerCase();

/**
 * A stable name for whatever was typed as an email or username, for counters: SHA-256 of its
 * lookup form, so a password typed into the wrong box is never stored (R76).
 */
export const identifierDigest = (identifier: string): string =>
  createHash('sha256').update(emailKey(identifier), 'utf8').digest('hex');

export { USERNAME_PATTERN, usernameKey } from '../../common/api/account-fields.ts';

/** `email` when the identifier is an address, else `username`. */
export const identifierKind = (identifier: string): 'email' | 'username' =>
  identifier.includes('@') ? 'email' : 'username';

/** The accounts an identifier names: at most one for a username, any number for an email. */
export async function findAccountsByIdentifier(db: Db, identifier: string): Promise<Account[]> {
  const column = identifierKind(identifier) === 'email' ? 'email_key' : 'username_key';
  const key = column === 'email_key' ? emailKey(identifier) : usernameKey(identifier);
  return db
    .selectFrom('accounts')
    .selectAll()
    .where(column, '=', key)
    .orderBy('username_key')
    .execute();
}

/** An account with its organization, as sign-in reads them. */
export interface AccountInOrganization {
  account: Account;
  org: OrganizationInfo;
}

/**
 * Every column of an account, by name. A statement prepared once per connection (the store's
 * plannedDb) must not say `accounts.*`: once a migration adds a column, PostgreSQL refuses to run
 * it again ("cached plan must not change result type") in every process started before.
 * A column missing here fails to compile where the rows are answered as Account.
 */
const ACCOUNT_COLUMNS = [
  'id',
  'organization_id',
  'username',
  'username_key',
  'email',
  'email_key',
  'name',
  'phone',
  'password_hash',
  'must_change_password',
  'temp_password_expires_at',
  'security_question',
  'security_answer_hash',
  'failed_count',
  'attempt_reserved_at',
  'locked_until',
  'locked_at',
  'disabled_at',
  'shared',
  'last_sign_in_at',
  'password_changed_at',
  'password_changed_how',
  'password_changed_by',
  'version',
  'created_at',
] as const satisfies ReadonlyArray<keyof Account>;

/**
 * The accounts an identifier names, each with its organization, in one statement: the
 * reservation before the hash needs the organization's lockout policy, and this saves it a
 * round trip. Run on the store's plannedDb by sign-in, so every column is named.
 */
export async function findAccountsWithOrganization(
  db: Db,
  identifier: string,
): Promise<AccountInOrganization[]> {
  const column = identifierKind(identifier) === 'email' ? 'email_key' : 'username_key';
  const key = column === 'email_key' ? emailKey(identifier) : usernameKey(identifier);
  const rows = await db
    .selectFrom('accounts')
    .innerJoin('organizations', 'organizations.id', 'accounts.organization_id')
    .select(ACCOUNT_COLUMNS.map((c) => `accounts.${c}` as const))
    .select([
      'organizations.name as organization_name',
      'organizations.policy as organization_policy',
    ])
    .where(`accounts.${column}`, '=', key)
    .orderBy('accounts.username_key')
    .execute();
  return rows.map(({ organization_name, organization_policy, ...account }) => ({
    account,
    org: {
      id: account.organization_id,
      name: organization_name,
      policy: parsePolicy(organization_policy),
    },
  }));
}

export async function findAccountById(db: Db, id: string): Promise<Account | undefined> {
  return db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface OrganizationInfo {
  id: string;
  name: string;
  policy: OrganizationPolicy;
}

export async function organizationOf(
  db: Db,
  account: Pick<Account, 'organization_id'>,
): Promise<OrganizationInfo> {
  const org = await db
    .selectFrom('organizations')
    .select(['id', 'name', 'policy'])
    .where('id', '=', account.organization_id)
    .executeTakeFirstOrThrow();
  return { id: org.id, name: org.name, policy: parsePolicy(org.policy) };
}

export interface ProductInfo {
  code: string;
  name: string;
  url: string;
}

/** The products this account signs into, in display order (issue 14). */
export async function productsOf(db: Db, accountId: string): Promise<ProductInfo[]> {
  const rows = await db
    .selectFrom('account_products')
    .innerJoin('products', 'products.id', 'account_products.product_id')
    .select(['products.code', 'products.name', 'products.url', 'products.display_order'])
    .where('account_products.account_id', '=', accountId)
    .execute();
  return rows.sort(byDisplayOrder).map(({ code, name, url }) => ({ code, name, url }));
}

/** Every column named: a shared login's lockout reads its holders on the plannedDb (ACCOUNT_COLUMNS). */
export async function holdersOf(db: Db, accountId: string): Promise<Holder[]> {
  return db
    .selectFrom('holders')
    .select(['id', 'account_id', 'name', 'email', 'phone', 'is_owner'])
    .where('account_id', '=', accountId)
    .orderBy('name')
    .execute();
}

/** True when the account cannot sign in now because of a lockout. */
export const isLocked = (account: Account, now: number): boolean =>
  account.locked_at !== null && (account.locked_until === null || account.locked_until > now);

/** Where mail about this account goes: its own address, and every holder's for a shared login. */
export async function notificationAddresses(db: Db, account: Account): Promise<string[]> {
  const addresses = [account.email];
  if (account.shared) for (const h of await holdersOf(db, account.id)) addresses.push(h.email);
  return [...new Map(addresses.map((a) => [emailKey(a), a])).values()];
}
