import type { ProductRef } from '../domain/account-checks.ts';
import { loadProducts } from '../domain/account-records.ts';
import { parsePolicy, type OrganizationPolicy } from '../domain/policy.ts';
import type { Db } from '../store/schema.ts';

export interface KnownOrganization {
  id: string | null;
  name: string;
  policy: OrganizationPolicy;
}

/** What the checks read from the store once, before the file. */
export interface StoreFacts {
  products: Map<string, ProductRef>;
  organizations: Map<string, KnownOrganization>;
}

export async function loadStoreFacts(db: Db): Promise<StoreFacts> {
  const rows = await db.selectFrom('organizations').select(['id', 'name', 'policy']).execute();
  const organizations = new Map(
    rows.map((o) => [o.name, { id: o.id, name: o.name, policy: parsePolicy(o.policy) }]),
  );
  return { products: await loadProducts(db), organizations };
}
