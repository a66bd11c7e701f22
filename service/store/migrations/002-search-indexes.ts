import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.ts';
import { createSearchTriggers, rebuildSearchIndex } from './002-search-indexes/grams-sql.ts';
import {
  ASCII_LOWER,
  ASCII_UPPER,
  FOLD_PAIRS,
  SEARCH_POSITIONS,
} from './002-search-indexes/text-sql.ts';

// Migrations see an untyped database: they describe the schema as it was when written.
type AnyDb = Kysely<unknown>;

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

/** The search index (search_grams and its triggers) and the B-tree indexes the filters use. */
export function searchIndexes(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      if (dialect === 'sqlite') {
        await sql
          .raw(
            `create table search_grams (g text not null, k text not null, w text not null,
               primary key (g, k)) without rowid`,
          )
          .execute(db);
        await sql.raw('create table search_positions (i integer primary key)').execute(db);
        await sql
          .raw(
            `insert into search_positions (i) with recursive n(i) as
               (select 1 union all select i + 1 from n where i < ${SEARCH_POSITIONS}) select i from n`,
          )
          .execute(db);
        await sql
          .raw('create table search_fold (up text primary key, lo text not null) without rowid')
          .execute(db);
        const pairs: Array<readonly [string, string]> = [
          ...[...ASCII_UPPER].map((c, i) => [c, ASCII_LOWER[i] ?? c] as const),
          ...FOLD_PAIRS,
        ];
        for (let i = 0; i < pairs.length; i += 200) {
          const values = pairs.slice(i, i + 200).map(([u, l]) => sql`(${u}, ${l})`);
          await sql`insert into search_fold (up, lo) values ${sql.join(values)}`.execute(db);
        }
      } else {
        // "C": byte order, the same as SQLite's, whatever the database's default collation.
        await sql
          .raw(
            `create table search_grams (g text collate "C" not null, k text collate "C" not null,
               w text not null, constraint search_grams_pk primary key (g, k) include (w))`,
          )
          .execute(db);
      }
      await rebuildSearchIndex(db, dialect);
      await createSearchTriggers(db, dialect);

      // Ordered access by username_key for empty queries, filters and organizations.
      const key = dialect === 'sqlite' ? 'username_key' : 'username_key collate "C"';
      const indexes: Array<[string, string, string]> = [
        ['accounts_org_key', `organization_id, ${key}`, ''],
        ['accounts_locked_key', key, 'locked_at is not null'],
        ['accounts_disabled_key', key, 'disabled_at is not null'],
        ['accounts_shared_key', key, 'shared = 1'],
        ['accounts_must_change_key', key, 'must_change_password = 1'],
        ['accounts_no_question_key', key, 'security_answer_hash is null'],
      ];
      // SQLite's unique index on username_key already has this order; PostgreSQL's may not.
      if (dialect === 'postgres') indexes.push(['accounts_key_c', key, '']);
      for (const [name, columns, where] of indexes) {
        await sql
          .raw(`create index ${name} on accounts (${columns})${where ? ` where ${where}` : ''}`)
          .execute(db);
      }
    },
  };
}
