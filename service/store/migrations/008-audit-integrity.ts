import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.ts';

type AnyDb = Kysely<unknown>;

/*
 * Audit integrity (issue 13, R78).
 *
 * `key_id` names the key whose HMAC-SHA-256 links each event from now on; the events already
 * there keep key_id null and their plain SHA-256 links: the legacy segment, which the first
 * keyed event's MAC covers (service/domain/audit.ts).
 *
 * The store refuses to change or remove an audit event: a trigger raises on UPDATE and DELETE
 * (and TRUNCATE on PostgreSQL; on SQLite, an INSERT OR REPLACE over an existing event, which
 * deletes without firing delete triggers). A table owner can drop the trigger, so this stops
 * mistakes and the application's own code; against someone with the owner's rights, the keyed
 * chain and the checkpoints outside the database are what show the change (README, "The audit
 * log"), and on PostgreSQL the service can run as a role with no UPDATE or DELETE on the table.
 */

const REFUSED = 'audit_events is append-only (R78)';

function sqliteStatements(): string[] {
  const raise = (what: string) => `select raise(abort, '${REFUSED}: ${what} refused')`;
  return [
    'alter table audit_events add column key_id text',
    `create trigger audit_events_no_update before update on audit_events
       begin ${raise('UPDATE')}; end`,
    `create trigger audit_events_no_delete before delete on audit_events
       begin ${raise('DELETE')}; end`,
    `create trigger audit_events_no_replace before insert on audit_events
       when exists (select 1 from audit_events where id = new.id or seq = new.seq)
       begin ${raise('REPLACE')}; end`,
  ];
}

function postgresStatements(): string[] {
  return [
    'alter table audit_events add column key_id text',
    `create or replace function audit_events_append_only() returns trigger language plpgsql as $fn$
     begin
       raise exception '${REFUSED}: % refused', tg_op using errcode = 'insufficient_privilege';
     end $fn$`,
    `create trigger audit_events_append_only before update or delete on audit_events
       for each row execute function audit_events_append_only()`,
    `create trigger audit_events_no_truncate before truncate on audit_events
       for each statement execute function audit_events_append_only()`,
  ];
}

/** The key_id column and the append-only triggers of audit_events. */
export function auditIntegrity(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      const statements = dialect === 'sqlite' ? sqliteStatements() : postgresStatements();
      for (const statement of statements) await sql.raw(statement).execute(db);
    },
  };
}
