import { sql, type RawBuilder } from 'kysely';
import {
  SEARCH_TOTAL_CAP,
  type AccountSearchResult,
  type AccountSummary,
} from '../../common/api/account-search.ts';
import type { Dialect } from '../store/database.ts';

// What both account searches (the store's, account-search.ts; the in-memory index's,
// memory/) share: cursors, and the page's rows as one JSON value built by the database.

const raw = (text: string) => sql.raw(text);

export type Tier = 0 | 1 | 2 | 3;

// ---------------------------------------------------------------------------------------------
// Cursors: base64url JSON of the last row shown, plus the total so later pages need not count.

export interface Cursor {
  /** Tier and username_key of the last row shown. */
  t: Tier;
  k: string;
  /** The total page 1 counted (CAP + 1: more than CAP). */
  n: number;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

/** A cursor the search did not give out (or one from an older format): the caller's mistake. */
export class InvalidCursor extends Error {
  constructor() {
    super('The cursor is not valid: search again.');
  }
}

export function decodeCursor(text: string): Cursor {
  try {
    const v: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (
      typeof v === 'object' &&
      v !== null &&
      'k' in v &&
      't' in v &&
      'n' in v &&
      typeof v.k === 'string' &&
      (v.t === 0 || v.t === 1 || v.t === 2 || v.t === 3) &&
      typeof v.n === 'number'
    ) {
      return { t: v.t, k: v.k, n: v.n };
    }
  } catch {
    // answered below
  }
  throw new InvalidCursor();
}

/**
 * One result row as the statement answers it: a JSON array built by the database (one string
 * for the whole page: handing a driver 15 columns × 51 rows costs more than the search).
 */
export type Row = [
  k: string,
  tier: number,
  id: string,
  username: string,
  email: string,
  name: string,
  phone: string,
  organizationId: string,
  organizationName: string,
  lockedAt: number | null,
  lockedUntil: number | null,
  disabledAt: number | null,
  shared: number | boolean,
  mustChangePassword: number | boolean,
  hasQuestion: number | boolean,
];

/** The JSON array of the page's rows `p` (k, tier) joined to accounts `a` and organizations `o`. */
export function pageJson(dialect: Dialect): RawBuilder<unknown> {
  const fields = `p.k, p.tier, a.id, a.username, a.email, a.name, a.phone, a.organization_id, o.name,
    a.locked_at, a.locked_until, a.disabled_at, a.shared, a.must_change_password,
    a.security_answer_hash is not null`;
  return raw(
    dialect === 'sqlite'
      ? `json_group_array(json_array(${fields}) order by p.tier, p.k)`
      : `coalesce(json_agg(json_build_array(${fields}) order by p.tier, p.k), '[]'::json)`,
  );
}

export function parseRows(value: unknown): Row[] {
  if (typeof value === 'string') return JSON.parse(value) as Row[];
  return Array.isArray(value) ? (value as Row[]) : [];
}

export const keyOf = (row: Row) => row[0];
export const tierOf = (row: Row) => Number(row[1]);

/**
 * The page's rows (`p`, at most a page) joined to their accounts. The planners cannot see that
 * the tiers' limits keep `p` small (they depend on the counts) and may start from accounts,
 * reading every one: SQLite keeps a CROSS JOIN's order; PostgreSQL sees `p`'s own LIMIT.
 */
export function pageJoin(dialect: Dialect): RawBuilder<unknown> {
  const join = dialect === 'sqlite' ? 'cross join' : 'join';
  return raw(
    `${join} accounts a on a.username_key = p.k ${join} organizations o on o.id = a.organization_id`,
  );
}

export function summarize(row: Row, now: number): AccountSummary {
  const [, tier, id, username, email, name, phone, organizationId, organizationName] = row;
  const [lockedAt, lockedUntil, disabledAt, shared, mustChange, hasQuestion] = row.slice(9);
  const t = Number(tier);
  return {
    id,
    username,
    email,
    name,
    phone,
    organization: { id: organizationId, name: organizationName },
    locked: lockedAt !== null && (lockedUntil === null || Number(lockedUntil) > now),
    disabled: disabledAt !== null,
    shared: Boolean(Number(shared)),
    mustChangePassword: Boolean(Number(mustChange)),
    hasSecurityQuestion: Boolean(Number(hasQuestion)),
    matchTier: t === 0 || t === 1 || t === 2 ? t : 3,
  };
}

/** The answer: `rows` is the page plus one row when another page follows. */
export function searchResult(
  rows: Row[],
  total: number,
  limit: number,
  now: number,
): AccountSearchResult {
  const page = rows.slice(0, limit);
  const lastShown = page[page.length - 1];
  const nextCursor =
    rows.length > limit && lastShown
      ? encodeCursor({ t: tierOf(lastShown) as Tier, k: keyOf(lastShown), n: total })
      : null;
  return {
    items: page.map((r) => summarize(r, now)),
    total: Math.min(total, SEARCH_TOTAL_CAP),
    totalCapped: total > SEARCH_TOTAL_CAP,
    nextCursor,
  };
}
