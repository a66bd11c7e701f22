import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../database.ts';

type AnyDb = Kysely<unknown>;

/**
 * The queue of Reset Your Password and Retrieve Forgotten Username requests: the pages only
 * write a row, the mail dispatcher does the work, so a request costs the same whether or not
 * the account exists (R1, R2, R5).
 */
export function recoveryRequestsSchema(_dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('recovery_requests')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('identifier', 'text')
        .addColumn('ip', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('lease_until', 'bigint')
        .addColumn('processed_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('recovery_requests_due')
        .on('recovery_requests')
        .columns(['processed_at', 'created_at'])
        .execute();
    },
  };
}
