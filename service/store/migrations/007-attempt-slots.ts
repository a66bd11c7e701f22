import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../database.ts';

type AnyDb = Kysely<unknown>;

/** Reservations of guess attempts (issue 13): filled in by the limits work. */
export function attemptSlots(_dialect: Dialect): Migration {
  return {
    async up(_db: AnyDb) {},
  };
}
