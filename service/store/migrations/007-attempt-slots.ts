import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../database.ts';

type AnyDb = Kysely<unknown>;

/**
 * Limits that hold under parallel requests (issue 13): a guess is reserved before its slow
 * hash and settled afterwards, so a burst gets no more evaluations than a sequence.
 *
 * - `accounts.attempt_reserved_at`: when the newest sign-in attempt took a slot; slots held
 *   longer than a hash could take belong to attempts that died, and count as failures.
 * - `challenge_attempts`: one row per security-question answer being or having been checked
 *   (outcome null while in flight), so the per-account daily limit counts answers in flight.
 */
export function attemptSlots(_dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema.alterTable('accounts').addColumn('attempt_reserved_at', 'bigint').execute();
      await db.schema
        .createTable('challenge_attempts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) =>
          c.notNull().references('accounts.id').onDelete('cascade'),
        )
        .addColumn('link_id', 'text', (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('outcome', 'text')
        .execute();
      await db.schema
        .createIndex('challenge_attempts_account')
        .on('challenge_attempts')
        .columns(['account_id', 'started_at'])
        .execute();
    },
  };
}
