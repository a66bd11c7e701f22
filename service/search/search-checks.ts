import { sql, type RawBuilder } from 'kysely';
import type { Dialect } from '../store/database.ts';
import { searchFields, type SearchSource } from './search-text-sql.ts';

// The conditions an account search puts on a row of a gram list (`s`) and its account (`a`):
// a window holds part of the pattern, a probe finds another gram of it, a field holds all of it.

const raw = (text: string) => sql.raw(text);

/** `needle` occurs in `haystack`. */
export function instr(
  dialect: Dialect,
  haystack: RawBuilder<unknown>,
  needle: string,
): RawBuilder<unknown> {
  return dialect === 'sqlite'
    ? sql`instr(${haystack}, ${needle}) > 0`
    : sql`strpos(${haystack}, ${needle}) > 0`;
}

/** The account `a`'s searchable fields; its organization's name by its key, one lookup. */
const FIELD_COLUMNS: SearchSource = {
  usernameKey: 'a.username_key',
  emailKey: 'a.email_key',
  name: 'a.name',
  phone: 'a.phone',
  organizationName: '(select o2.name from organizations o2 where o2.id = a.organization_id)',
};

/**
 * Whether one of account `a`'s fields holds `needle`: field by field, so the check stops at
 * the first that does (the name for a full name, the organization for its name).
 */
export function textHolds(dialect: Dialect, ascii: boolean, needle: string): RawBuilder<unknown> {
  const fields = searchFields(dialect, FIELD_COLUMNS, ascii);
  const order = [2, 4, 0, 1, 3].map((i) => fields[i] ?? "''");
  return sql`(${sql.join(
    order.map((f) => instr(dialect, raw(f), needle)),
    sql` or `,
  )})`;
}

/**
 * Positions of grams whose windows (3 characters either side) cover every character of a
 * pattern of length L outside `covered`, the part the driving list's window already checks.
 */
function coverPositions(L: number, covered: [number, number]): number[] {
  const out: number[] = [];
  let start = 0;
  while (start < L) {
    if (start >= covered[0] && start < covered[1]) {
      start = covered[1];
      continue;
    }
    const j = Math.min(start + 3, L - 3);
    out.push(j);
    start = j + 6;
  }
  return out;
}

/**
 * For a pattern longer than a window: the account must also hold, for each position of
 * `coverPositions`, that gram with that part of the pattern around it (an index lookup each).
 * Only the few accounts that do are then checked on their whole text.
 */
export function probes(
  dialect: Dialect,
  chars: string[],
  covered: [number, number],
): RawBuilder<unknown>[] {
  return coverPositions(chars.length, covered).map((j) => {
    const gram = chars.slice(j, j + 3).join('');
    const window = chars.slice(Math.max(0, j - 3), j + 6).join('');
    // A scalar subquery, not EXISTS: PostgreSQL would turn EXISTS into a join reading the
    // probed gram's whole list; this stays one index lookup per row.
    return sql`(select 1 from search_grams y where y.g = ${gram} and y.k = s.k and ${instr(dialect, raw('y.w'), window)} limit 1) = 1`;
  });
}
