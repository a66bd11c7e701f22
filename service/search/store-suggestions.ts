import { sql, type RawBuilder } from 'kysely';
import { USERNAME_MAX_LENGTH } from '../../common/api/account-fields.ts';
import type { Db } from '../store/schema.ts';
import type { Dialect } from '../store/database.ts';
import { foldSearchText } from './text-folding.ts';
import {
  bestSuggestions,
  editsWithin,
  suggestionDistance,
  type Suggestion,
} from './memory/suggestions.ts';

/*
 * "Did you mean …?" when the store answers a search (issue 15; the in-memory index answers
 * the same question by walking every username, see memory-index.ts). A store cannot afford
 * that walk at 1,000,000 accounts, so it reads a bounded set of candidates through indexes it
 * already has and keeps those within the allowed edits:
 *   - usernames starting with the query's first two characters (the username_key index): an
 *     edit after them;
 *   - usernames holding one of the query's 3-character grams (search_grams): an edit in the
 *     first two characters leaves the later grams intact.
 * At most PER_GRAM rows per gram and PER_PREFIX for the prefix, so a miss costs a few
 * thousand index rows whatever the number of accounts. A rare near miss can escape both (an
 * edit in the first two characters of a 4-character name): a suggestion is a courtesy, never
 * a search result, and the search itself is exact.
 */

const PER_GRAM = 200;
const PER_PREFIX = 500;

/**
 * Usernames near `key` among the accounts `filters` (on accounts `a`) let the caller see: the
 * same scope as the search, so a suggestion never names an account the caller could not find.
 */
export async function storeSuggestions(
  db: Db,
  dialect: Dialect,
  key: string,
  filters: RawBuilder<unknown>[],
): Promise<string[]> {
  const max = suggestionDistance(key);
  const chars = [...key];
  // No username is longer than USERNAME_MAX_LENGTH: a longer query is out of reach, and its
  // grams would only add statements.
  if (max === 0 || chars.length > USERNAME_MAX_LENGTH + max) return [];
  const folded = [...foldSearchText(key)];
  const grams = new Set<string>();
  for (let i = 0; i + 3 <= folded.length; i += 1) grams.add(folded.slice(i, i + 3).join(''));
  const prefix = chars.slice(0, 2).join('');
  const keyColumn =
    dialect === 'sqlite' ? sql.raw('username_key') : sql.raw('username_key collate "C"');
  const fromGrams = [...grams].map(
    (g) => sql`select k from (select k from search_grams where g = ${g} limit ${PER_GRAM}) g`,
  );
  const fromPrefix = sql`select k from (select username_key as k from accounts
    where ${keyColumn} >= ${prefix} and ${keyColumn} < ${`${prefix}\u{10ffff}`}
      and length(username_key) between ${chars.length - max} and ${chars.length + max}
    order by ${keyColumn} limit ${PER_PREFIX}) p`;
  // The candidates' keys first, from the indexes alone; only those within reach are then
  // read from accounts, under the caller's scope and filters.
  const candidates = await sql<{
    k: string;
  }>`${sql.join([...fromGrams, fromPrefix], sql` union `)}`.execute(db);
  const edits = new Map<string, number>();
  for (const { k } of candidates.rows) {
    const d = editsWithin(key, k, max);
    if (d >= 0) edits.set(k, d);
  }
  if (edits.size === 0) return [];
  const { rows } = await sql<{ username: string; username_key: string }>`
    select a.username, a.username_key from accounts a
    where a.username_key in (${sql.join([...edits.keys()])})
    ${filters.length > 0 ? sql`and ${sql.join(filters, sql` and `)}` : sql``}`.execute(db);
  const found: Suggestion[] = rows.map((row) => ({
    edits: edits.get(row.username_key) ?? max,
    key: row.username_key,
    username: row.username,
  }));
  return bestSuggestions(found);
}
