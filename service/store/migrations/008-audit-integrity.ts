import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../database.ts';

type AnyDb = Kysely<unknown>;

/** Audit integrity (issue 13): filled in by the audit work. */
export function auditIntegrity(_dialect: Dialect): Migration {
  return {
    async up(_db: AnyDb) {},
  };
}
