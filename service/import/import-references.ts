import type { Clock } from '../clock.ts';
import type { Db } from '../store/schema.ts';
import { chunks } from '../domain/account-rows.ts';
import { defaultPolicy } from '../domain/policy.ts';
import { lastPosition } from '../domain/products.ts';
import { newId } from '../ids.ts';

/** A product an import creates: its code, and its name as the file first writes it. */
export interface ImportedProduct {
  code: string;
  name: string;
}

/**
 * Creates the products a file names that the store lacks (opt-in: a typo would otherwise
 * become a product): named as the file writes them ("EMResource"), last in the display order in
 * the file's order, with no address until an administrator sets one.
 */
export async function createProducts(trx: Db, products: ImportedProduct[]): Promise<void> {
  const { next } = await trx.selectNoFrom(lastPosition().as('next')).executeTakeFirstOrThrow();
  const rows = products.map((p, index) => ({
    id: newId(),
    code: p.code,
    name: p.name,
    url: '',
    display_order: Number(next) + index,
  }));
  for (const batch of chunks(rows, 500)) {
    await trx
      .insertInto('products')
      .values(batch)
      .onConflict((oc) => oc.column('code').doNothing())
      .execute();
  }
}

/** The organizations an import names, by name, and how many of them it had to create. */
export interface ImportOrganizations {
  ids: Map<string, string>;
  created: number;
}

/** Finds the organizations with these names, creating the missing ones with the default policy. */
export async function ensureOrganizations(
  trx: Db,
  clock: Clock,
  names: string[],
): Promise<ImportOrganizations> {
  const ids = await organizationIds(trx, names);
  const missing = names.filter((name) => !ids.has(name));
  const policy = JSON.stringify(defaultPolicy());
  const rows = missing.map((name) => ({ id: newId(), name, policy, created_at: clock.now() }));
  for (const batch of chunks(rows, 500)) {
    await trx.insertInto('organizations').values(batch).execute();
  }
  for (const row of rows) ids.set(row.name, row.id);
  return { ids, created: rows.length };
}

async function organizationIds(trx: Db, names: string[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const batch of chunks(names, 500)) {
    const rows = await trx
      .selectFrom('organizations')
      .select(['id', 'name'])
      .where('name', 'in', batch)
      .execute();
    for (const row of rows) ids.set(row.name, row.id);
  }
  return ids;
}
