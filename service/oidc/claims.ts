import type { Account as ProviderAccount } from 'oidc-provider';
import type { Db } from '../store/schema.ts';
import { organizationOf, productsOf } from '../domain/accounts.ts';

/**
 * The scopes a product may ask for and the claims each brings (README, "Products: claims").
 * `sub` is the account's id: stable across username and email changes.
 */
export const SCOPE_CLAIMS = {
  openid: ['sub'],
  profile: ['preferred_username', 'name'],
  email: ['email'],
  organization: ['organization'],
  products: ['products'],
} as const;

// A type, not an interface: the provider's claims type wants an index signature.
export type LatchkeyClaims = {
  sub: string;
  preferred_username: string;
  name: string;
  email: string;
  /** The organization's name. */
  organization: string;
  /** The codes of the products the account may use, e.g. ["emresource", "emtrack"]. */
  products: string[];
};

/** Every claim of an account; the provider gives a product only those its granted scopes name. */
export async function accountClaims(
  db: Db,
  accountId: string,
): Promise<LatchkeyClaims | undefined> {
  const account = await db
    .selectFrom('accounts')
    .select(['id', 'username', 'name', 'email', 'organization_id'])
    .where('id', '=', accountId)
    .where('disabled_at', 'is', null)
    .executeTakeFirst();
  if (!account) return undefined;
  const [org, products] = await Promise.all([
    organizationOf(db, account),
    productsOf(db, account.id),
  ]);
  return {
    sub: account.id,
    preferred_username: account.username,
    name: account.name,
    email: account.email,
    organization: org.name,
    products: products.map((p) => p.code),
  };
}

/**
 * oidc-provider's `findAccount`: nothing for an unknown or disabled account, so a disabled
 * account's refresh tokens and userinfo calls are refused even before its grants are revoked.
 */
export async function findProviderAccount(
  db: Db,
  accountId: string,
): Promise<ProviderAccount | undefined> {
  const exists = await db
    .selectFrom('accounts')
    .select('id')
    .where('id', '=', accountId)
    .where('disabled_at', 'is', null)
    .executeTakeFirst();
  if (!exists) return undefined;
  return {
    accountId,
    async claims() {
      const claims = await accountClaims(db, accountId);
      return claims ?? { sub: accountId };
    },
  };
}

/** Whether the account may use the product (account_products). */
export async function mayUseProduct(
  db: Db,
  accountId: string,
  productId: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('account_products')
    .select('account_id')
    .where('account_id', '=', accountId)
    .where('product_id', '=', productId)
    .executeTakeFirst();
  return row !== undefined;
}
