import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.ts';

type AnyDb = Kysely<unknown>;

/*
 * The change feed of the in-memory search index (service/domain/search-index): a row in
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
 * `search_state.pruned_through` is the last position whose rows were deleted (rows older than
 * a few minutes are); an index behind it rebuilds from the accounts themselves.
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
  const at = `cast(strftime('%s', 'now') as integer) * 1000`;
  const changed = SEARCH_FEED_COLUMNS.map((c) => `old.${c} is not new.${c}`).join(' or ');
  const insert = (id: string) =>
    `insert into search_changes (account_id, at) values (${id}, ${at});`;
  return [
    `create table search_changes (seq integer primary key autoincrement,
       account_id text not null, at integer not null)`,
    'create index search_changes_at on search_changes (at)',
    `create table search_state (id integer primary key check (id = 1),
       pruned_through integer not null)`,
    'insert into search_state (id, pruned_through) values (1, 0)',
    `create trigger search_changes_ai after insert on accounts begin ${insert('new.id')} end`,
    `create trigger search_changes_ad after delete on accounts begin ${insert('old.id')} end`,
    `create trigger search_changes_au after update on accounts when ${changed}
       begin ${insert('new.id')} end`,
    `create trigger search_changes_org_au after update of name on organizations
       when old.name is not new.name
       begin insert into search_changes (account_id, at)
         select id, ${at} from accounts where organization_id = new.id; end`,
  ];
}

function postgresStatements(): string[] {
  const columns = (alias: string) => SEARCH_FEED_COLUMNS.map((c) => `${alias}.${c}`).join(', ');
  const fn = (name: string, body: string) =>
    `create or replace function ${name}() returns trigger language plpgsql set jit = off as $fn$
     begin insert into search_changes (account_id) ${body}; return null; end $fn$`;
  return [
    `create table search_changes (xid xid8 not null default pg_current_xact_id(),
       account_id text not null, at timestamptz not null default clock_timestamp())`,
    'create index search_changes_xid on search_changes (xid)',
    'create index search_changes_at on search_changes (at)',
    `create table search_state (id integer primary key check (id = 1),
       pruned_through xid8 not null)`,
    `insert into search_state (id, pruned_through) values (1, '0')`,
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
