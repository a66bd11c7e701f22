import { sql, type RawBuilder } from 'kysely';
import {
  SEARCH_TOTAL_CAP,
  type AccountSearchQuery,
  type AccountSearchResult,
  type AccountSummary,
  type SearchFilter,
} from '../../common/api/account-search.ts';
import { ApiProblem } from '../api/api-problem.ts';
import type { Clock } from '../clock.ts';
import type { Db } from '../context.ts';
import type { Dialect } from '../store/database.ts';
import {
  FOLD_PAIRS,
  PHONE_PUNCTUATION,
  SEARCH_MARK,
  searchDocument,
} from '../store/migrations/002-search-indexes.ts';
import { usernameKey } from './accounts.ts';

/*
 * Account search over `search_grams` (see migration 002 for the index).
 *
 * The query string becomes a pattern P: NFKC, control characters and runs of spaces squeezed,
 * case-folded as the index is, a start mark after every space and hyphen; a query made only of
 * digits and phone punctuation ("+1 778 412", "778-4120") becomes its digits, matched against
 * phone numbers without punctuation (and any other field's digits). Then by length:
 *   ≥ 3  substring of any field (tier 2), start of a field or word (tier 1), exact username
 *        (tier 0). One gram of P drives: its list, already in username order, is read with a
 *        window check on each row, at most SEARCH_TOTAL_CAP rows for the count and the page.
 *   2    too short for grams: start of a field or word only (the gram "mark + P").
 *   1    start of the username only (a range of the username_key index).
 *   0    every account in scope (tier 3).
 * Order: (tier, username_key); pages continue after the last (tier, username_key) shown.
 */

/** Results per page come from the contract; the count stops here (SPEC: capped for speed). */
const CAP = SEARCH_TOTAL_CAP;
/** Gram lists are counted up to this many rows to choose the rarest gram as the driver. */
const FREQUENCY_PROBE_CAP = 20_000;
const FREQUENCY_TTL_MS = 15 * 60_000;
const FREQUENCY_CACHE_SIZE = 100_000;
/** A prefix list this short is read along with the substring tier in the first statement. */
const SHORT_PREFIX_LIST = 200;

export interface SearchScope {
  /** The organizations the caller may see; null for all. */
  organizationIds: string[] | null;
}

type Tier = 0 | 1 | 2 | 3;

// ---------------------------------------------------------------------------------------------
// The query string.

const FOLD = new Map<string, string>(FOLD_PAIRS.map(([upper, lower]) => [upper, lower]));

/** Case folding exactly as the index folds (ASCII, then FOLD_PAIRS): not toLowerCase(). */
export function foldSearchText(text: string): string {
  let out = '';
  for (const c of text) out += c >= 'A' && c <= 'Z' ? c.toLowerCase() : (FOLD.get(c) ?? c);
  return out;
}

const PHONE_LIKE = new RegExp(`^[\\d${[...PHONE_PUNCTUATION].map((c) => `\\${c}`).join('')}]+$`);

interface Term {
  /** 'all': no query; 'one'/'two': 1 or 2 characters; 'grams': 3 or more. */
  mode: 'all' | 'one' | 'two' | 'grams';
  /** The username_key an exact match has. */
  exact: string;
  /** The pattern, one string per code point. */
  chars: string[];
}

export function parseTerm(q: string): Term {
  const text = q
    .normalize('NFKC')
    .replace(/\p{Cc}/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (text === '') return { mode: 'all', exact: '', chars: [] };
  const pattern =
    PHONE_LIKE.test(text) && /\d/.test(text)
      ? text.replace(/\D/g, '')
      : foldSearchText(text).replace(/([ -])/g, `$1${SEARCH_MARK}`);
  const chars = [...pattern];
  const mode = chars.length === 1 ? 'one' : chars.length === 2 ? 'two' : 'grams';
  return { mode, exact: usernameKey(text), chars };
}

// ---------------------------------------------------------------------------------------------
// Cursors: base64url JSON of the last row shown, plus the total so later pages need not count.

interface Cursor {
  /** Tier and username_key of the last row shown. */
  t: Tier;
  k: string;
  /** The total page 1 counted (CAP + 1: more than CAP). */
  n: number;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

function decodeCursor(text: string): Cursor {
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
  throw new ApiProblem('validation_failed', 'The cursor is not valid: search again.', 'cursor');
}

// ---------------------------------------------------------------------------------------------
// Gram frequencies (to pick the rarest gram of the pattern as the driver), per process.

interface Frequency {
  n: number;
  at: number;
}
const frequencies = new WeakMap<object, Map<string, Frequency>>();

async function gramFrequencies(db: Db, grams: string[]): Promise<Map<string, number>> {
  let cache = frequencies.get(db);
  if (!cache) {
    cache = new Map();
    frequencies.set(db, cache);
  }
  const now = Date.now();
  const out = new Map<string, number>();
  const missing: string[] = [];
  for (const g of new Set(grams)) {
    const hit = cache.get(g);
    if (hit && now - hit.at < FREQUENCY_TTL_MS) out.set(g, hit.n);
    else missing.push(g);
  }
  if (missing.length > 0) {
    const parts = missing.map(
      (g, i) =>
        sql`select ${i} as i, count(*) as n from (select 1 as one from search_grams where g = ${g} limit ${FREQUENCY_PROBE_CAP}) ${raw(`x${i}`)}`,
    );
    const rows = await sql<{ i: number; n: number }>`${sql.join(parts, sql` union all `)}`.execute(
      db,
    );
    if (cache.size + missing.length > FREQUENCY_CACHE_SIZE) cache.clear();
    for (const row of rows.rows) {
      const g = missing[Number(row.i)];
      if (g === undefined) continue;
      cache.set(g, { n: Number(row.n), at: now });
      out.set(g, Number(row.n));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Plans: which rows a tier stream reads, as SQL.

/** A stream of candidate rows in username_key order: FROM/WHERE over `s` (grams) or `a` (accounts). */
interface Stream {
  from: RawBuilder<unknown>;
  where: RawBuilder<unknown>[];
  /** The username_key expression, in byte order on both stores. */
  key: RawBuilder<unknown>;
  tier: RawBuilder<unknown>;
}

interface Plan {
  /** Every match: what the total counts. */
  count: Stream;
  /**
   * The tiers in order (0 exact username, 1 prefix, 2 substring; 3 without a query), each
   * without the rows of the tiers before it, so a page is their concatenation.
   */
  tiers: Array<{ tier: Tier; stream: Stream }>;
  /**
   * Substring plans: whether a row of `count` is a match of tier 0 or 1 (it starts a field or
   * word). Counting those in the same scan tells the first statement which tiers it can skip.
   */
  prefixFlag: RawBuilder<unknown> | null;
  /** The prefix list is short: reading the substring tier as well costs little. */
  shortPrefix: boolean;
}

interface Context {
  dialect: Dialect;
  /** Filters and scope on accounts `a`. */
  filters: RawBuilder<unknown>[];
}

const raw = (text: string) => sql.raw(text);

function instr(
  dialect: Dialect,
  haystack: RawBuilder<unknown>,
  needle: string,
): RawBuilder<unknown> {
  return dialect === 'sqlite'
    ? sql`instr(${haystack}, ${needle}) > 0`
    : sql`strpos(${haystack}, ${needle}) > 0`;
}

function accountKey(dialect: Dialect): RawBuilder<unknown> {
  return raw(dialect === 'sqlite' ? 'a.username_key' : 'a.username_key collate "C"');
}

function filterSql(
  filters: readonly SearchFilter[],
  organization: string | undefined,
  scope: SearchScope,
  now: number,
): RawBuilder<unknown>[] {
  const out: RawBuilder<unknown>[] = [];
  for (const filter of new Set(filters)) {
    if (filter === 'locked') {
      out.push(
        sql`a.locked_at is not null and (a.locked_until is null or a.locked_until > ${now})`,
      );
    } else if (filter === 'no_question') out.push(raw('a.security_answer_hash is null'));
    else if (filter === 'shared') out.push(raw('a.shared = 1'));
    else if (filter === 'must_change') out.push(raw('a.must_change_password = 1'));
    else out.push(raw('a.disabled_at is not null'));
  }
  if (organization !== undefined) out.push(sql`a.organization_id = ${organization}`);
  if (scope.organizationIds !== null) {
    out.push(
      scope.organizationIds.length === 0
        ? raw('1 = 0')
        : sql`a.organization_id in (${sql.join(scope.organizationIds)})`,
    );
  }
  return out;
}

const DOCUMENT_COLUMNS = {
  usernameKey: 'a.username_key',
  emailKey: 'a.email_key',
  name: 'a.name',
  phone: 'a.phone',
  organizationName: 'o.name',
};

/** A stream over one gram's list; joins accounts only when filters (or a long pattern) need it. */
function gramStream(
  ctx: Context,
  g: string,
  window: string,
  extra: RawBuilder<unknown>[],
  tier: RawBuilder<unknown>,
  verify: boolean,
): Stream {
  const from = verify
    ? 'search_grams s join accounts a on a.username_key = s.k join organizations o on o.id = a.organization_id'
    : ctx.filters.length > 0
      ? 'search_grams s join accounts a on a.username_key = s.k'
      : 'search_grams s';
  // The window check is the pattern itself when the pattern is the gram: no check.
  const check = window === g ? [] : [instr(ctx.dialect, raw('s.w'), window)];
  return {
    from: raw(from),
    where: [sql`s.g = ${g}`, ...check, ...extra, ...ctx.filters],
    key: raw('s.k'),
    tier,
  };
}

async function planFor(db: Db, ctx: Context, term: Term): Promise<Plan> {
  const { dialect } = ctx;
  if (term.mode === 'all') {
    const all: Stream = {
      from: raw('accounts a'),
      where: ctx.filters,
      key: accountKey(dialect),
      tier: raw('3'),
    };
    return { count: all, tiers: [{ tier: 3, stream: all }], prefixFlag: null, shortPrefix: true };
  }
  if (term.mode === 'one') {
    // One character: the start of the username only, a range of its index.
    const c = term.chars[0] ?? '';
    const next = String.fromCodePoint((c.codePointAt(0) ?? 0) + 1);
    const range: Stream = {
      from: raw('accounts a'),
      where: [sql`a.username_key >= ${c}`, sql`a.username_key < ${next}`, ...ctx.filters],
      key: accountKey(dialect),
      tier: raw('1'),
    };
    return {
      count: range,
      tiers: [
        { tier: 0, stream: restrict(range, sql`a.username_key = ${term.exact}`, raw('0')) },
        { tier: 1, stream: restrict(range, sql`a.username_key <> ${term.exact}`, raw('1')) },
      ],
      prefixFlag: null,
      shortPrefix: true,
    };
  }
  if (term.mode === 'two') {
    // Two characters: the start of any field or word, the list of the gram "mark + P".
    const g = SEARCH_MARK + term.chars.join('');
    const list = gramStream(ctx, g, g, [], raw('1'), false);
    return {
      count: list,
      tiers: [
        { tier: 0, stream: restrict(list, sql`s.k = ${term.exact}`, raw('0')) },
        { tier: 1, stream: restrict(list, sql`s.k <> ${term.exact}`, raw('1')) },
      ],
      prefixFlag: null,
      shortPrefix: true,
    };
  }
  return gramPlan(db, ctx, term);
}

function restrict(
  stream: Stream,
  condition: RawBuilder<unknown>,
  tier: RawBuilder<unknown>,
): Stream {
  return { ...stream, where: [...stream.where, condition], tier };
}

/** The substring plan: the rarest usable gram of P drives, its windows check P (and mark + P). */
async function gramPlan(db: Db, ctx: Context, term: Term): Promise<Plan> {
  const { dialect } = ctx;
  const chars = term.chars;
  const L = chars.length;
  const P = chars.join('');
  const P1 = SEARCH_MARK + P;
  const gramAt = (j: number) => chars.slice(j, j + 3).join('');
  // A window holds 3 characters either side of its gram: P (and mark + P) fit when the gram
  // starts at j in [L-6, 2]. A longer P is checked on 9 characters, then on the whole text.
  const fits = L <= 8;
  const positions: number[] = [];
  for (let j = fits ? Math.max(0, L - 6) : 0; j <= (fits ? Math.min(2, L - 3) : L - 3); j += 1) {
    positions.push(j);
  }
  const anchor = SEARCH_MARK + chars.slice(0, 3).join('');
  const freq = await gramFrequencies(db, [...positions.map(gramAt), anchor]);
  const count = (g: string) => freq.get(g) ?? 0;
  const driverAt = positions.reduce((best, j) =>
    count(gramAt(j)) < count(gramAt(best)) ? j : best,
  );
  const driver = gramAt(driverAt);
  const window = fits ? P : chars.slice(Math.max(0, driverAt - 3), driverAt + 6).join('');
  // ASCII patterns (nearly all) are checked on a text folded with lower(): a far shorter statement.
  const ascii = /^[\p{ASCII}]*$/u.test(P);
  const document = raw(searchDocument(dialect, DOCUMENT_COLUMNS, ascii));
  const verifyP = fits ? [] : [instr(dialect, document, P)];
  const isPrefix = fits ? instr(dialect, raw('s.w'), P1) : instr(dialect, document, P1);

  const all = gramStream(ctx, driver, window, verifyP, raw('2'), !fits);
  // Tier 1 alone: the anchor (mark + first 3 characters, with the 9 characters after the
  // mark) or a gram whose window reaches the mark, whichever list is shorter.
  const windowAt = (j: number) => chars.slice(Math.max(0, j - 3), j + 6).join('');
  const prefixAt = positions.reduce((best, j) =>
    count(gramAt(j)) < count(gramAt(best)) ? j : best,
  );
  const useAnchor = count(anchor) <= count(gramAt(prefixAt));
  const prefixDriver = useAnchor ? anchor : gramAt(prefixAt);
  const prefixFits = useAnchor ? L <= 9 : fits;
  const prefixWindow = prefixFits
    ? P1
    : useAnchor
      ? SEARCH_MARK + chars.slice(0, 9).join('')
      : windowAt(prefixAt);
  const prefix = gramStream(
    ctx,
    prefixDriver,
    prefixWindow,
    [...(prefixFits ? [] : [instr(dialect, document, P1)]), sql`s.k <> ${term.exact}`],
    raw('1'),
    !prefixFits,
  );
  return {
    count: all,
    tiers: [
      { tier: 0, stream: restrict(all, sql`s.k = ${term.exact}`, raw('0')) },
      { tier: 1, stream: prefix },
      {
        tier: 2,
        stream: restrict(all, sql`not (${isPrefix}) and s.k <> ${term.exact}`, raw('2')),
      },
    ],
    prefixFlag: isPrefix,
    shortPrefix: count(prefixDriver) <= SHORT_PREFIX_LIST,
  };
}

// ---------------------------------------------------------------------------------------------
// Reading pages.

/**
 * One result row as the statement answers it: a JSON array built by the database (one string
 * for the whole page: handing a driver 15 columns × 51 rows costs more than the search).
 */
type Row = [
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
function pageJson(dialect: Dialect): RawBuilder<unknown> {
  const fields = `p.k, p.tier, a.id, a.username, a.email, a.name, a.phone, a.organization_id, o.name,
    a.locked_at, a.locked_until, a.disabled_at, a.shared, a.must_change_password,
    a.security_answer_hash is not null`;
  return raw(
    dialect === 'sqlite'
      ? `json_group_array(json_array(${fields}) order by p.tier, p.k)`
      : `coalesce(json_agg(json_build_array(${fields}) order by p.tier, p.k), '[]'::json)`,
  );
}

function parseRows(value: unknown): Row[] {
  if (typeof value === 'string') return JSON.parse(value) as Row[];
  return Array.isArray(value) ? (value as Row[]) : [];
}

const keyOf = (row: Row) => row[0];
const tierOf = (row: Row) => Number(row[1]);

function whereOf(stream: Stream, after: string | null): RawBuilder<unknown> {
  const parts = [...stream.where];
  if (after !== null) parts.push(sql`${stream.key} > ${after}`);
  return parts.length > 0 ? sql`where ${sql.join(parts, sql` and `)}` : sql``;
}

/**
 * `select k, tier` of a stream's first `limit` rows after `after`, in username_key order;
 * `guard`, a condition on nothing but the statement's count, is evaluated once, first.
 */
function streamRows(
  stream: Stream,
  after: string | null,
  limit: number,
  alias: string,
  guard?: RawBuilder<unknown>,
): RawBuilder<unknown> {
  const where = whereOf(
    { ...stream, where: guard ? [guard, ...stream.where] : stream.where },
    after,
  );
  return sql`select k, tier from (select ${stream.key} as k, ${stream.tier} as tier
    from ${stream.from} ${where} order by ${stream.key} limit ${limit}) ${raw(alias)}`;
}

/** The rows of one tier stream after `after`, with their details. */
async function readStream(
  db: Db,
  dialect: Dialect,
  stream: Stream,
  after: string | null,
  limit: number,
): Promise<Row[]> {
  if (limit <= 0) return [];
  const result = await sql<{ rows: unknown }>`
    select ${pageJson(dialect)} as rows
    from (${streamRows(stream, after, limit, 's0')}) p
    join accounts a on a.username_key = p.k join organizations o on o.id = a.organization_id`.execute(
    db,
  );
  return parseRows(result.rows[0]?.rows);
}

/**
 * The first page and the total in one statement. The count reads at most CAP + 1 matches of
 * the driving list and, on the way, counts those of tier 0 or 1; the tiers then read only
 * what the page needs: none of tier 1 when no match starts a field, none of tier 2 when the
 * prefixes fill the page. Answers which tiers it read.
 */
async function readFirstPage(
  db: Db,
  dialect: Dialect,
  plan: Plan,
  limit: number,
): Promise<{ rows: Row[]; total: number; tiersRead: Tier[] }> {
  const count = plan.count;
  const flag = plan.prefixFlag ?? raw('1 = 0');
  const total = raw('(select total from c)');
  const prefixed = raw('(select prefixed from c)');
  const guards = new Map<Tier, RawBuilder<unknown>>();
  if (plan.prefixFlag) {
    guards.set(1, sql`(${prefixed} > 0 or ${total} > ${CAP})`);
    guards.set(
      2,
      plan.shortPrefix
        ? sql`(${total} > ${CAP} or ${prefixed} < ${limit})`
        : sql`(${total} <= ${CAP} and ${prefixed} < ${limit})`,
    );
  }
  const pages = sql.join(
    plan.tiers.map((t, i) => streamRows(t.stream, null, limit, `t${i}`, guards.get(t.tier))),
    sql` union all `,
  );
  const result = await sql<{ total: number; prefixed: number; rows: unknown }>`
    with c as materialized (
      select count(*) as total, count(case when f then 1 end) as prefixed
      from (select ${flag} as f from ${count.from} ${whereOf(count, null)} limit ${CAP + 1}) z)
    select c.total, c.prefixed,
      (select ${pageJson(dialect)} from (${pages}) p
        join accounts a on a.username_key = p.k
        join organizations o on o.id = a.organization_id) as rows
    from c`.execute(db);
  const row = result.rows[0];
  const counted = Number(row?.total ?? 0);
  const starts = Number(row?.prefixed ?? 0);
  // Which tiers the statement read (a tier it skipped but the page needs is read after).
  const read = plan.tiers
    .map((t) => t.tier)
    .filter((tier) => {
      if (!plan.prefixFlag || tier === 0) return true;
      if (tier === 1) return starts > 0 || counted > CAP;
      return plan.shortPrefix ? counted > CAP || starts < limit : counted <= CAP && starts < limit;
    });
  const skippedNeeded = plan.tiers.some(
    (t) => !read.includes(t.tier) && t.tier === 2 && counted > CAP,
  );
  return {
    rows: parseRows(row?.rows),
    total: counted,
    tiersRead: skippedNeeded ? read : plan.tiers.map((t) => t.tier),
  };
}

function summarize(row: Row, now: number): AccountSummary {
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

/**
 * Searches accounts (SPEC §3): `query.q` against username, email, name, phone and organization,
 * with filters, restricted to `scope`; ranked exact username, prefix, substring, then by
 * username_key; keyset pages of `query.limit`; total counted up to SEARCH_TOTAL_CAP.
 */
export async function searchAccounts(
  db: Db,
  dialect: Dialect,
  clock: Clock,
  query: AccountSearchQuery,
  scope: SearchScope,
): Promise<AccountSearchResult> {
  const now = clock.now();
  const term = parseTerm(query.q);
  const ctx: Context = {
    dialect,
    filters: filterSql(query.filter, query.organization, scope, now),
  };
  const plan = await planFor(db, ctx, term);
  const limit = query.limit;
  let rows: Row[];
  let total: number;
  if (query.cursor === undefined) {
    const first = await readFirstPage(db, dialect, plan, limit + 1);
    rows = first.rows;
    total = first.total;
    for (const t of plan.tiers) {
      if (rows.length > limit) break;
      if (first.tiersRead.includes(t.tier)) continue;
      rows.push(...(await readStream(db, dialect, t.stream, null, limit + 1 - rows.length)));
    }
  } else {
    const cursor = decodeCursor(query.cursor);
    total = cursor.n;
    rows = await readAfter(db, dialect, plan, cursor, limit + 1);
  }
  const page = rows.slice(0, limit);
  const lastShown = page[page.length - 1];
  const nextCursor =
    rows.length > limit && lastShown
      ? encodeCursor({ t: tierOf(lastShown) as Tier, k: keyOf(lastShown), n: total })
      : null;
  return {
    items: page.map((r) => summarize(r, now)),
    total: Math.min(total, CAP),
    totalCapped: total > CAP,
    nextCursor,
  };
}

/** Rows after the cursor: the rest of its tier, then the next tiers from their start. */
async function readAfter(
  db: Db,
  dialect: Dialect,
  plan: Plan,
  cursor: Cursor,
  want: number,
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const { tier, stream } of plan.tiers) {
    if (tier < cursor.t) continue;
    const after = tier === cursor.t ? cursor.k : null;
    rows.push(...(await readStream(db, dialect, stream, after, want - rows.length)));
    if (rows.length >= want) break;
  }
  return rows;
}
