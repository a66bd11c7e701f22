import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../database.ts';

type AnyDb = Kysely<unknown>;

interface ProductRow {
  id: string;
  code: string;
  name: string;
}

/** The seed's order ("EMResource, eICS and EMTrack"), frozen here: a migration is history. */
const SEED_ORDER = ['emresource', 'eics', 'emtrack'];

const seedRank = (code: string): number => {
  const rank = SEED_ORDER.indexOf(code.toLowerCase());
  return rank === -1 ? SEED_ORDER.length : rank;
};

/**
 * Products are listed in an order administrators choose (issue 14): the pages' footer and the
 * Set Up Password warning name them in it. Existing products are numbered 1…n: the seed's three
 * codes first, in the seed's order, then the others by name (compared in JavaScript, since
 * SQLite and PostgreSQL collate case differently).
 */
export function productOrder(_dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .alterTable('products')
        .addColumn('display_order', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      const trx = db as unknown as Kysely<{ products: ProductRow & { display_order: number } }>;
      const rows = await trx.selectFrom('products').select(['id', 'code', 'name']).execute();
      rows.sort(
        (a, b) =>
          seedRank(a.code) - seedRank(b.code) ||
          a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }) ||
          a.code.localeCompare(b.code),
      );
      for (const [index, row] of rows.entries()) {
        await trx
          .updateTable('products')
          .set({ display_order: index + 1 })
          .where('id', '=', row.id)
          .execute();
      }
    },
  };
}
