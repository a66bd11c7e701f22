import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.ts';

type AnyDb = Kysely<unknown>;

/*
 * The change feed of the in-memory search index (service/search): a row in
 * `search_changes` for every account inserted, deleted, or updated in a column the search
 * reads (text, organization, status filters), written by triggers in the same transaction.
 * Each service process keeps its own index and reads the rows after its position with every
 * search, so a search never answers from a state older than the database's.
 *
 * The position must never skip a row that commits late:
 *   SQLite  `seq` (AUTOINCREMENT): one writer at a time, so rows commit in `seq` order.
 *   PostgreSQL  `xid`, the writing transaction's id. Transactions commit out of order, so a
 *           reader keeps as its position the oldest transaction still running when it read
 *           (`pg_snapshot_xmin`) and reads from there again next time, skipping the
 *           transactions it has already applied.
 * `search_readers` holds each index's position, updated whenever it reads the feed (at least
 * every 30 seconds). Rows every registered reader has passed are deleted; a reader not seen for
 * some minutes is struck off, and rebuilds from the accounts if it comes back.
 */

/** The account columns a search reads besides its text: a change to any is in the feed. */
export const SEARCH_FEED_COLUMNS = [
  'username_key',
  'email_key',
  'name',
  'phone',
  'organization_id',
  'locked_at',
  'locked_until',
  'disabled_at',
  'shared',
  'must_change_password',
  'security_answer_hash',
] as const;

function sqliteStatements(): string[] {
  const changed = SEARCH_FEED_COLUMNS.map((c) => `old.${c} is not new.${c}`).join(' or ');
  const insert = (id: string) => `insert into search_changes (account_id) values (${id});`;
  return [
    `create table search_changes (seq integer primary key autoincrement,
       account_id text not null)`,
    `create table search_readers (id text primary key, position integer not null,
       seen_at integer not null)`,
    `create trigger search_changes_ai after insert on accounts begin ${insert('new.id')} end`,
    `create trigger search_changes_ad after delete on accounts begin ${insert('old.id')} end`,
    `create trigger search_changes_au after update on accounts when ${changed}
       begin ${insert('new.id')} end`,
    `create trigger search_changes_org_au after update of name on organizations
       when old.name is not new.name
       begin insert into search_changes (account_id)
         select id from accounts where organization_id = new.id; end`,
  ];
}

function postgresStatements(): string[] {
  const columns = (alias: string) => SEARCH_FEED_COLUMNS.map((c) => `${alias}.${c}`).join(', ');
  const fn = (name: string, body: string) =>
    `create or replace function ${name}() returns trigger language plpgsql set jit = off as $fn$
     begin insert into search_changes (account_id) ${body}; return null; end $fn$`;
  return [
    `create table search_changes (xid xid8 not null default pg_current_xact_id(),
       account_id text not null)`,
    'create index search_changes_xid on search_changes (xid)',
    `create table search_readers (id text primary key, position xid8 not null,
       seen_at timestamptz not null)`,
    fn('search_changes_ins', 'select id from new_rows'),
    fn('search_changes_del', 'select id from old_rows'),
    fn(
      'search_changes_upd',
      `select n.id from new_rows n join old_rows o on o.id = n.id
       where (${columns('n')}) is distinct from (${columns('o')})`,
    ),
    fn(
      'search_changes_org_upd',
      `select a.id from accounts a join new_rows n on n.id = a.organization_id
       join old_rows o on o.id = n.id where n.name is distinct from o.name`,
    ),
    `create trigger search_changes_ai after insert on accounts
       referencing new table as new_rows for each statement execute function search_changes_ins()`,
    `create trigger search_changes_ad after delete on accounts
       referencing old table as old_rows for each statement execute function search_changes_del()`,
    `create trigger search_changes_au after update on accounts
       referencing old table as old_rows new table as new_rows
       for each statement execute function search_changes_upd()`,
    `create trigger search_changes_org_au after update on organizations
       referencing old table as old_rows new table as new_rows
       for each statement execute function search_changes_org_upd()`,
  ];
}

/** The search feed's tables and triggers. */
export function searchChanges(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      const statements = dialect === 'sqlite' ? sqliteStatements() : postgresStatements();
      for (const statement of statements) await sql.raw(statement).execute(db);
    },
  };
}
