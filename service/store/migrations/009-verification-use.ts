import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../database.ts';

type AnyDb = Kysely<unknown>;

/**
 * One verification, one action (issue 15, SPEC §3): `used_at` is when an action took the
 * caller's verification with it, `used_for` which action; a used verification is never taken
 * again. Set by one conditional update in the action's own transaction (R12's pattern).
 */
export function verificationUse(_dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema.alterTable('verifications').addColumn('used_at', 'bigint').execute();
      await db.schema.alterTable('verifications').addColumn('used_for', 'text').execute();
    },
  };
}
