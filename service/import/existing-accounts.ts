import type { FieldChange } from '../../common/api/actions.ts';
import type { AdminIdentity } from '../../common/api/auth.ts';
import type { Db } from '../store/schema.ts';
import { identityChanges } from '../domain/account-changes/identity.ts';
import { productText } from '../domain/account-changes/products.ts';
import type { AccountFields } from '../domain/account-input.ts';
import { chunks } from '../domain/account-rows.ts';
import { accountRank } from '../domain/admin/permissions.ts';
import { holds, rankIn } from '../../common/api/permission-rules.ts';
import type { Account } from '../store/schema.ts';

/** An account a row's username names: what an update compares and what it needs to write. */
export interface ExistingAccount {
  account: Account;
  organizationName: string;
  /** Product codes, sorted, as `productText` writes them. */
  products: string;
  /** Holders as `name <email>`, sorted. */
  holders: string[];
  /** The highest role it holds anywhere (the power rule). */
  rank: number;
}

const holderText = (h: { name: string; email: string }) => `${h.name} <${h.email.toLowerCase()}>`;

/** The accounts with these username keys, in a few statements per 500 keys. */
export async function loadExisting(
  db: Db,
  keys: readonly string[],
): Promise<Map<string, ExistingAccount>> {
  const found = new Map<string, ExistingAccount>();
  for (const batch of chunks(keys, 500)) {
    const accounts = await db
      .selectFrom('accounts')
      .innerJoin('organizations', 'organizations.id', 'accounts.organization_id')
      .selectAll('accounts')
      .select('organizations.name as organization_name')
      .where('accounts.username_key', 'in', batch)
      .execute();
    if (accounts.length === 0) continue;
    const ids = accounts.map((a) => a.id);
    const products = await db
      .selectFrom('account_products')
      .innerJoin('products', 'products.id', 'account_products.product_id')
      .select(['account_products.account_id', 'products.code'])
      .where('account_products.account_id', 'in', ids)
      .execute();
    const holders = await db
      .selectFrom('holders')
      .select(['account_id', 'name', 'email'])
      .where('account_id', 'in', ids)
      .execute();
    const grants = await db
      .selectFrom('role_grants')
      .select('account_id')
      .where('account_id', 'in', ids)
      .execute();
    const granted = new Set(grants.map((g) => g.account_id));
    for (const { organization_name, ...account } of accounts) {
      found.set(account.username_key, {
        account,
        organizationName: organization_name,
        products: productText(
          products.filter((p) => p.account_id === account.id).map((p) => p.code),
        ),
        holders: holders
          .filter((h) => h.account_id === account.id)
          .map(holderText)
          .sort(),
        rank: granted.has(account.id) ? await accountRank(db, account.id) : 0,
      });
    }
  }
  return found;
}

/** What a row would change on the account with its username (empty: nothing). */
export function rowChanges(
  existing: ExistingAccount,
  fields: AccountFields,
  organization: string,
): FieldChange[] {
  const changes = identityChanges(existing.account, fields);
  if (organization !== existing.organizationName)
    changes.push({ field: 'organization', from: existing.organizationName, to: organization });
  const products = productText(fields.products);
  if (products !== existing.products)
    changes.push({ field: 'products', from: existing.products, to: products });
  return changes;
}

/** A refusal of an update, by column: the power rule first, then what the import does not change. */
export function updateProblems(
  existing: ExistingAccount,
  fields: AccountFields,
  admin: AdminIdentity | undefined,
  targetOrganizationId: string | undefined,
): Array<{ field: string; message: string }> {
  // An account outside the administrator's reach is refused alone, in words that describe
  // nothing of it (R2): not whether it is shared, nor how its holders compare.
  const reach = admin ? reachProblem(existing, admin, targetOrganizationId) : undefined;
  if (reach) return [reach];
  const problems: Array<{ field: string; message: string }> = [];
  const { account } = existing;
  if (fields.shared !== (account.shared === 1))
    problems.push({
      field: 'shared',
      message: account.shared
        ? `${account.username} is a shared login: an import does not make it personal (use Convert to personal accounts).`
        : `${account.username} is a personal account: an import does not make it shared.`,
    });
  if (
    account.shared === 1 &&
    fields.holders.map(holderText).sort().join('; ') !== existing.holders.join('; ')
  )
    problems.push({
      field: 'holders',
      message: `The holders differ from those of ${account.username}: change them with Edit holders in the console, not by import.`,
    });
  return problems;
}

/** The administrator's own account, or one outside their organizations or power, by username. */
function reachProblem(
  existing: ExistingAccount,
  admin: AdminIdentity,
  targetOrganizationId: string | undefined,
): { field: string; message: string } | undefined {
  const { account } = existing;
  if (account.id === admin.accountId)
    return {
      field: 'username',
      message: 'This is your own account: change it on the Log In pages.',
    };
  for (const organizationId of new Set([account.organization_id, targetOrganizationId ?? ''])) {
    if (organizationId === '') continue;
    if (
      !holds(admin, 'import_accounts', organizationId) ||
      existing.rank >= rankIn(admin, organizationId)
    )
      return {
        field: 'username',
        message: `${account.username} holds as much power as yours or more, or is outside the organizations you may import into: ask someone with a higher role.`,
      };
  }
  return undefined;
}
