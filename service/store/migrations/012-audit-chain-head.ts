import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.ts';

type AnyDb = Kysely<unknown>;

/*
 * The audit chain's head under its lock, in one round trip (issue 18; PostgreSQL only).
 *
 * Every audit write on PostgreSQL takes the chain's advisory lock, reads the last event, MACs
 * its own against it and inserts it; the lock is held to the commit. Read in the same statement
 * as the lock is taken, the head would come from a snapshot older than the lock (READ COMMITTED
 * takes it at the statement's start) and could miss the event of the writer that held the lock
 * just before. A VOLATILE function takes a fresh snapshot for each statement it runs, so its
 * read after the lock sees every event committed before the lock was granted.
 *
 * The lock is keyed by the schema as well: each schema holds a chain of its own, so deployments
 * (or test runs) sharing a database do not wait for each other's audit writes.
 */
const CHAIN_HEAD = `create or replace function audit_chain_head(chain_lock integer)
  returns table (last_seq bigint, last_hash text)
  language plpgsql volatile
as $fn$
begin
  perform pg_advisory_xact_lock(chain_lock, hashtext(current_schema()));
  return query
    select e.seq, e.hash from audit_events e where e.seq is not null order by e.seq desc limit 1;
end
$fn$`;

/** `audit_chain_head(lock)`: takes the chain's lock and answers its last event's seq and hash. */
export function auditChainHead(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      if (dialect === 'postgres') await sql.raw(CHAIN_HEAD).execute(db);
    },
  };
}
