import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../store/database.ts';
import { searchFields, type SearchSource } from './search-text-sql.ts';

/*
 * Account search (SPEC §3, issue 3): one query string against username, email, name, phone
 * and organization, prefix and substring, ranked (exact username, prefix, substring) and then
 * ordered by username_key, with keyset pages and a capped total.
 *
 * The index is one B-tree table on both stores, `search_grams (g, k, w)`:
 *   g  a 3-character gram of an account's searchable text, or an "anchor" (a start mark and
 *      3 or 4 characters) at the start of a field or of a word: the list of prefix matches;
 *   k  the account's username_key, so every gram's list comes out in the order results are
 *      shown, and a search reads only the rows it returns (LIMIT), never sorting all matches;
 *   w  the text around each occurrence of g in the account (3 characters either side, or the
 *      9 after an anchor; joined by newlines), so a term of up to 8 characters (a prefix of up
 *      to 9) is checked on the index row itself, a longer one on the account's whole text.
 *
 * Why not FTS5 (SQLite) or pg_trgm GIN (PostgreSQL): both answer a set of matching row ids in
 * rowid / heap order. Ranked results in username order then need every match fetched and
 * sorted: 40,000 rows for a 3-letter name fragment at 1,000,000 accounts, tens of
 * milliseconds. Keyed by (gram, username_key) the first page is an index range read.
 *
 * The searchable text of an account is five fields, each starting with SEARCH_MARK:
 *   username_key, email_key, name, phone digits, organization name,
 * case-folded with FOLD_PAIRS (ASCII plus Latin, Greek, Cyrillic; the same on both stores and
 * in the query), with SEARCH_MARK after every space and hyphen so a word start is a prefix too.
 * Triggers on accounts and organizations keep the table in step: no insert code has to know.
 */

/**
 * `select g, k, w` for the accounts `rows` yields, `rows` being a SELECT of the columns
 * (k, uk, ek, nm, ph, org): every 3-character gram of every field with its windows, and the
 * 4- and 5-character anchors (mark and 3 or 4 characters) at every field and word start.
 */
export function gramsSelect(dialect: Dialect, rows: string): string {
  const src: SearchSource = {
    usernameKey: 'uk',
    emailKey: 'ek',
    name: 'nm',
    phone: 'ph',
    organizationName: 'org',
  };
  const fields = searchFields(dialect, src)
    .map((f) => `select k, ${f} as s from src`)
    .join(' union all ');
  if (dialect === 'sqlite') {
    // MATERIALIZED: computed once per field, not once per position.
    return `with src(k, uk, ek, nm, ph, org) as materialized (${rows}),
      d(k, s) as materialized (${fields}),
      t(k, g, w) as (
        select d.k, substr(d.s, n.i, 3), substr(d.s, max(n.i - 3, 1), n.i - max(n.i - 3, 1) + 6)
        from d join search_positions n on n.i <= length(d.s) - 2
        union all
        select d.k, substr(d.s, n.i, 4), substr(d.s, n.i, 10)
        from d join search_positions n on n.i <= length(d.s) - 3
        where substr(d.s, n.i, 1) = char(2)
        union all
        select d.k, substr(d.s, n.i, 5), substr(d.s, n.i, 10)
        from d join search_positions n on n.i <= length(d.s) - 4
        where substr(d.s, n.i, 1) = char(2))
      select g, k, group_concat(w, char(10)) as w from t group by k, g`;
  }
  return `with src(k, uk, ek, nm, ph, org) as (${rows}),
      d(k, s) as (${fields}),
      t(k, g, w) as (
        select d.k, substr(d.s, i, 3), substr(d.s, greatest(i - 3, 1), i - greatest(i - 3, 1) + 6)
        from d, generate_series(1, length(d.s) - 2) as i
        union all
        select d.k, substr(d.s, i, 4), substr(d.s, i, 10)
        from d, generate_series(1, length(d.s) - 3) as i where substr(d.s, i, 1) = chr(2)
        union all
        select d.k, substr(d.s, i, 5), substr(d.s, i, 10)
        from d, generate_series(1, length(d.s) - 4) as i where substr(d.s, i, 1) = chr(2))
      select g, k, string_agg(w, chr(10)) as w from t group by k, g`;
}

/** The (k, uk, ek, nm, ph, org) rows of accounts `alias` joined to their organization. */
const accountRows = (from: string, where: string) =>
  `select a.username_key, a.username_key, a.email_key, a.name, a.phone, o.name
   from ${from} join organizations o on o.id = a.organization_id ${where}`;

/** One account's row from trigger values, e.g. prefix `new`. */
const triggerRow = (row: string) =>
  `select ${row}.username_key, ${row}.username_key, ${row}.email_key, ${row}.name, ${row}.phone,
     (select name from organizations where id = ${row}.organization_id)`;

/**
 * Fills search_grams from every account (the migration, and a bulk load that skipped the
 * triggers), a chunk of accounts per statement so each one's grouping stays in memory.
 */
export async function rebuildSearchIndex(
  db: Kysely<unknown>,
  dialect: Dialect,
  chunk = 10_000,
): Promise<void> {
  await sql.raw('delete from search_grams').execute(db);
  const key = dialect === 'sqlite' ? 'a.username_key' : 'a.username_key collate "C"';
  let after: string | null = null;
  for (;;) {
    const bound: { rows: Array<{ k: string }> } = await sql<{ k: string }>`
      select ${sql.raw(key)} as k from accounts a
      ${after === null ? sql`` : sql`where ${sql.raw(key)} > ${after}`}
      order by ${sql.raw(key)} limit 1 offset ${chunk - 1}`.execute(db);
    const upTo: string | null = bound.rows[0]?.k ?? null;
    const range = [
      ...(after === null ? [] : [sql`${sql.raw(key)} > ${after}`]),
      ...(upTo === null ? [] : [sql`${sql.raw(key)} <= ${upTo}`]),
    ];
    const where = range.length > 0 ? sql`where ${sql.join(range, sql` and `)}` : sql``;
    const rows = sql`select a.username_key, a.username_key, a.email_key, a.name, a.phone, o.name
      from accounts a join organizations o on o.id = a.organization_id ${where}`;
    const grams = gramsSelect(dialect, '@@ROWS@@');
    const [head, tail] = grams.split('@@ROWS@@');
    await sql`insert into search_grams (g, k, w) select g, k, w from (${sql.raw(head ?? '')}${rows}${sql.raw(tail ?? '')}) x`.execute(
      db,
    );
    if (upTo === null) break;
    after = upTo;
  }
}

const SQLITE_TRIGGERS = [
  'search_accounts_ai',
  'search_accounts_ad',
  'search_accounts_au',
  'search_organizations_au',
];

/** Creates the triggers that keep search_grams in step with accounts and organizations. */
export async function createSearchTriggers(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const statements = dialect === 'sqlite' ? sqliteTriggerStatements() : postgresTriggerStatements();
  for (const statement of statements) await sql.raw(statement).execute(db);
}

/** Drops those triggers: only for a bulk load, which must call rebuildSearchIndex and createSearchTriggers after. */
export async function dropSearchTriggers(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect === 'sqlite') {
    for (const name of SQLITE_TRIGGERS) await sql.raw(`drop trigger if exists ${name}`).execute(db);
    return;
  }
  await sql.raw('drop trigger if exists search_accounts_ai on accounts').execute(db);
  await sql.raw('drop trigger if exists search_accounts_ad on accounts').execute(db);
  await sql.raw('drop trigger if exists search_accounts_au on accounts').execute(db);
  await sql.raw('drop trigger if exists search_organizations_au on organizations').execute(db);
}

function sqliteTriggerStatements(): string[] {
  const insertFor = (row: string) =>
    `insert or replace into search_grams (g, k, w) ${gramsSelect('sqlite', triggerRow(row))};`;
  const deleteFor = (row: string) =>
    `delete from search_grams where k = ${row}.username_key
       and g in (select g from (${gramsSelect('sqlite', triggerRow(row))}));`;
  const orgRows = (orgName: string) =>
    `select a.username_key, a.username_key, a.email_key, a.name, a.phone, ${orgName}
     from accounts a where a.organization_id = new.id`;
  return [
    `create trigger search_accounts_ai after insert on accounts begin ${insertFor('new')} end`,
    `create trigger search_accounts_ad after delete on accounts begin ${deleteFor('old')} end`,
    `create trigger search_accounts_au
       after update of username_key, email_key, name, phone, organization_id on accounts
       begin ${deleteFor('old')} ${insertFor('new')} end`,
    `create trigger search_organizations_au after update of name on organizations
       when old.name is not new.name
       begin
         delete from search_grams where (g, k) in
           (select g, k from (${gramsSelect('sqlite', orgRows('old.name'))}));
         insert or replace into search_grams (g, k, w) ${gramsSelect('sqlite', orgRows('new.name'))};
       end`,
  ];
}

function postgresTriggerStatements(): string[] {
  const grams = (rows: string) => gramsSelect('postgres', rows);
  const insertRows = (rows: string) =>
    `insert into search_grams (g, k, w) select g, k, w from (${grams(rows)}) x
     on conflict (g, k) do update set w = excluded.w;`;
  const deleteRows = (rows: string) =>
    `delete from search_grams s using (${grams(rows)}) x where s.g = x.g and s.k = x.k;`;
  const changed = `select n.* from new_rows n join old_rows o on o.id = n.id
     where (n.username_key, n.email_key, n.name, n.phone, n.organization_id)
       is distinct from (o.username_key, o.email_key, o.name, o.phone, o.organization_id)`;
  const changedOld = `select o.* from old_rows o join new_rows n on n.id = o.id
     where (n.username_key, n.email_key, n.name, n.phone, n.organization_id)
       is distinct from (o.username_key, o.email_key, o.name, o.phone, o.organization_id)`;
  const fn = (name: string, body: string) =>
    `create or replace function ${name}() returns trigger language plpgsql set jit = off as $fn$
     begin ${body} return null; end $fn$`;
  return [
    fn('search_accounts_ins', insertRows(accountRows('new_rows a', ''))),
    fn('search_accounts_del', deleteRows(accountRows('old_rows a', ''))),
    fn(
      'search_accounts_upd',
      deleteRows(accountRows(`(${changedOld}) a`, '')) +
        insertRows(accountRows(`(${changed}) a`, '')),
    ),
    fn(
      'search_organizations_upd',
      deleteRows(
        `select a.username_key, a.username_key, a.email_key, a.name, a.phone, o.name
         from accounts a join old_rows o on o.id = a.organization_id
         join new_rows n on n.id = o.id where n.name is distinct from o.name`,
      ) +
        insertRows(
          `select a.username_key, a.username_key, a.email_key, a.name, a.phone, n.name
           from accounts a join new_rows n on n.id = a.organization_id
           join old_rows o on o.id = n.id where n.name is distinct from o.name`,
        ),
    ),
    `create trigger search_accounts_ai after insert on accounts
       referencing new table as new_rows for each statement execute function search_accounts_ins()`,
    `create trigger search_accounts_ad after delete on accounts
       referencing old table as old_rows for each statement execute function search_accounts_del()`,
    `create trigger search_accounts_au after update on accounts
       referencing old table as old_rows new table as new_rows
       for each statement execute function search_accounts_upd()`,
    `create trigger search_organizations_au after update on organizations
       referencing old table as old_rows new table as new_rows
       for each statement execute function search_organizations_upd()`,
  ];
}
