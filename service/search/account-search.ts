import { sql, type RawBuilder } from 'kysely';
import {
  SEARCH_TOTAL_CAP,
  type AccountSearchQuery,
  type AccountSearchResult,
  type SearchFilter,
} from '../../common/api/account-search.ts';
import type { Clock } from '../clock.ts';
import type { Db } from '../store/schema.ts';
import type { Dialect } from '../store/database.ts';
import { SEARCH_MARK } from './text-folding.ts';
import { instr, probes, textHolds } from './search-checks.ts';
import {
  decodeCursor,
  pageJoin,
  pageJson,
  parseRows,
  searchResult,
  type Cursor,
  type Row,
  type Tier,
} from './search-page.ts';
import { estimatedMatches, gramFrequencies } from './search-frequencies.ts';
import { parseTerm, type Term } from './search-query.ts';
import { storeSuggestions } from './store-suggestions.ts';

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

/**
 * How the first page reads the substring list when the prefixes leave room on the page:
 * 'once' (its first CAP + 1 matches materialized, for count and page), 'twice' (a count,
 * then the page), or 'auto' (once when the sample predicts fewer than CAP matches: then the
 * list is read to its end, and reading it twice would double the cost). Tests set it.
 */
export const searchTuning: { substringRead: 'auto' | 'once' | 'twice' } = {
  substringRead: 'auto',
};

export interface SearchScope {
  /** The organizations the caller may see; null for all. */
  organizationIds: string[] | null;
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
  /** The matches of tiers 0 and 1 (of every tier below 3 for short queries): counted first. */
  prefixCount: Stream;
  /** Every match, counted when the first count stays within the cap (substring queries). */
  allCount: Stream | null;
  /**
   * Tier 2 as a filter of `allCount`'s rows (`m.k` the key): when the prefixes leave room on
   * the page, the statement reads the substring list once, for the count and the page alike.
   */
  substringOf: ((key: RawBuilder<unknown>) => RawBuilder<unknown>) | null;
  /**
   * The tiers in order (0 exact username, 1 prefix, 2 substring; 3 without a query), each
   * without the rows of the tiers before it, so a page is their concatenation.
   */
  tiers: Array<{ tier: Tier; stream: Stream }>;
}

interface Context {
  dialect: Dialect;
  /** Filters and scope on accounts `a`. */
  filters: RawBuilder<unknown>[];
}

const raw = (text: string) => sql.raw(text);

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
    ? 'search_grams s join accounts a on a.username_key = s.k'
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
    return {
      prefixCount: all,
      allCount: null,
      substringOf: null,
      tiers: [{ tier: 3, stream: all }],
    };
  }
  if (term.mode === 'one') {
    // One character: the start of the username only, a range of its index.
    const c = term.chars[0] ?? '';
    const next = String.fromCodePoint((c.codePointAt(0) ?? 0) + 1);
    const key = accountKey(dialect);
    const range: Stream = {
      from: raw('accounts a'),
      where: [sql`${key} >= ${c}`, sql`${key} < ${next}`, ...ctx.filters],
      key,
      tier: raw('1'),
    };
    return {
      prefixCount: range,
      allCount: null,
      substringOf: null,
      tiers: [
        { tier: 0, stream: restrict(range, sql`a.username_key = ${term.exact}`, raw('0')) },
        { tier: 1, stream: restrict(range, sql`a.username_key <> ${term.exact}`, raw('1')) },
      ],
    };
  }
  if (term.mode === 'two') {
    // Two characters: the start of any field or word, the list of the gram "mark + P".
    const g = SEARCH_MARK + term.chars.join('');
    const list = gramStream(ctx, g, g, [], raw('1'), false);
    return {
      prefixCount: list,
      allCount: null,
      substringOf: null,
      tiers: [
        { tier: 0, stream: restrict(list, sql`s.k = ${term.exact}`, raw('0')) },
        { tier: 1, stream: restrict(list, sql`s.k <> ${term.exact}`, raw('1')) },
      ],
    };
  }
  return gramPlan(db, ctx, term);
}

async function readSubstringsOnce(db: Db, driver: string, pattern: string): Promise<boolean> {
  if (searchTuning.substringRead !== 'auto') return searchTuning.substringRead === 'once';
  const estimate = await estimatedMatches(db, driver, pattern);
  return estimate === null || estimate < CAP;
}

function restrict(
  stream: Stream,
  condition: RawBuilder<unknown>,
  tier: RawBuilder<unknown>,
): Stream {
  return { ...stream, where: [...stream.where, condition], tier };
}

/**
 * Three characters or more. Tiers 0 and 1 read the anchor list of the pattern's start (mark +
 * 3 characters, or + 4 from 4 characters on): every row of it is a field or word starting
 * with those characters, so it holds the prefix matches densely. Tier 2 reads the list of the
 * pattern's rarest 3-character gram whose window holds the whole pattern.
 */
async function gramPlan(db: Db, ctx: Context, term: Term): Promise<Plan> {
  const { dialect } = ctx;
  const chars = term.chars;
  const L = chars.length;
  const P = chars.join('');
  const P1 = SEARCH_MARK + P;
  const gramAt = (j: number) => chars.slice(j, j + 3).join('');
  // A gram's window holds 3 characters either side of it: P fits when the gram starts at j in
  // [L-6, 3], mark + P when j ≤ 2 as well. Otherwise the rows are checked on the part of P
  // around the gram, then probed for grams holding the rest, then on the whole text.
  const fitsAt = (j: number) => j <= 3 && j >= L - 6;
  const positions: number[] = [];
  for (let j = 0; j <= L - 3; j += 1) positions.push(j);
  // An anchor's window holds the mark and 9 characters: mark + P fits up to 9 characters.
  const anchor = SEARCH_MARK + chars.slice(0, L >= 4 ? 4 : 3).join('');
  const anchorFits = L <= 9;
  const anchorWindow = anchorFits ? P1 : SEARCH_MARK + chars.slice(0, 9).join('');
  const freq = await gramFrequencies(db, [anchor, ...positions.map(gramAt)]);
  const count = (g: string) => freq.get(g) ?? 0;
  const rarest = (js: number[]) =>
    js.reduce((best, j) => (count(gramAt(j)) < count(gramAt(best)) ? j : best));
  // A driver that holds P in its window needs nothing more; another pays a probe or two and a
  // look at the text for each row its window passes, so it drives only when far rarer
  // ("alan tho": "tho" rather than "n ␂").
  const fitting = positions.filter(fitsAt);
  const rarestAt = rarest(positions);
  const fittingAt = fitting.length > 0 ? rarest(fitting) : undefined;
  const driverAt =
    fittingAt !== undefined && count(gramAt(fittingAt)) <= 4 * count(gramAt(rarestAt))
      ? fittingAt
      : rarestAt;
  const fits = fitsAt(driverAt);
  const driver = gramAt(driverAt);
  const window = chars.slice(Math.max(0, driverAt - 3), driverAt + 6).join('');
  // Tiers 0 and 1 read the anchor's list, or a gram's whose window reaches the mark when that
  // list is much shorter (a long prefix whose first characters are common: "john.t").
  const marked = anchorFits ? fitting.filter((j) => j <= 2) : [];
  const gramAtMark = marked.length > 0 ? rarest(marked) : undefined;
  const useGram = gramAtMark !== undefined && count(gramAt(gramAtMark)) * 2 < count(anchor);
  const prefixDriver = useGram ? gramAt(gramAtMark) : anchor;
  const prefixWindow = useGram ? P1 : anchorWindow;
  const prefixFits = useGram || anchorFits;
  // ASCII patterns (nearly all) are checked on a text folded with lower(): a far shorter statement.
  const ascii = /^[\p{ASCII}]*$/u.test(P);
  const holds = (needle: string) => textHolds(dialect, ascii, needle);
  const verifyP = fits
    ? []
    : [...probes(dialect, chars, [Math.max(0, driverAt - 3), driverAt + 6]), holds(P)];
  // The anchor's window holds the first 9 characters of P.
  const verifyP1 = prefixFits ? [] : [...probes(dialect, chars, [0, 9]), holds(P1)];

  const starts = gramStream(ctx, prefixDriver, prefixWindow, verifyP1, raw('1'), !prefixFits);
  const all = gramStream(ctx, driver, window, verifyP, raw('2'), !fits);
  // Tier 2 leaves out what tiers 0 and 1 hold: a probe of the anchor's list per row.
  const startsHere = (key: RawBuilder<unknown>) => sql`exists (select 1 from search_grams x
    where x.g = ${anchor} and x.k = ${key} and ${instr(dialect, raw('x.w'), anchorWindow)})`;
  const notStart = anchorFits
    ? sql`not ${startsHere(raw('s.k'))}`
    : sql`not (${startsHere(raw('s.k'))} and ${holds(P1)})`;
  return {
    prefixCount: starts,
    allCount: all,
    substringOf:
      anchorFits && (await readSubstringsOnce(db, driver, P))
        ? (key) => sql`not ${startsHere(key)} and ${key} <> ${term.exact}`
        : null,
    tiers: [
      { tier: 0, stream: restrict(starts, sql`s.k = ${term.exact}`, raw('0')) },
      { tier: 1, stream: restrict(starts, sql`s.k <> ${term.exact}`, raw('1')) },
      { tier: 2, stream: restrict(all, sql`${notStart} and s.k <> ${term.exact}`, raw('2')) },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Reading pages.

function whereOf(stream: Stream, after: string | null): RawBuilder<unknown> {
  const parts = [...stream.where];
  if (after !== null) parts.push(sql`${stream.key} > ${after}`);
  return parts.length > 0 ? sql`where ${sql.join(parts, sql` and `)}` : sql``;
}

/**
 * `select k, tier` of a stream's first `limit` rows after `after`, in username_key order;
 * `guard`, a condition on nothing but the statement's counts, goes into the LIMIT: both stores
 * evaluate a LIMIT once, before reading (SQLite would test a WHERE term on every row).
 */
function streamRows(
  stream: Stream,
  after: string | null,
  limit: number,
  alias: string,
  guard?: RawBuilder<unknown>,
): RawBuilder<unknown> {
  const rows = guard ? sql`(case when ${guard} then ${limit} else 0 end)` : sql`${limit}`;
  return sql`select k, tier from (select ${stream.key} as k, ${stream.tier} as tier
    from ${stream.from} ${whereOf(stream, after)} order by ${stream.key} limit ${rows}) ${raw(alias)}`;
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
    ${pageJoin(dialect)}`.execute(db);
  return parseRows(result.rows[0]?.rows);
}

/**
 * The first page and the total in one statement. It counts the prefix matches first (dense
 * lists: cheap), and every match only when those stay within the cap; then reads the tiers,
 * skipping tier 1 when nothing starts with the pattern and tier 2 when the prefixes fill the
 * page. The guards depend on the counts alone, so each store evaluates them once, first.
 */
async function readFirstPage(
  db: Db,
  dialect: Dialect,
  plan: Plan,
  limit: number,
): Promise<{ rows: Row[]; total: number }> {
  const prefixed = raw('(select n from c1)');
  const onlyIf = (guard: RawBuilder<unknown>, n: number) =>
    sql`(case when ${guard} then ${n} else 0 end)`;
  const countOf = (stream: Stream, rows: RawBuilder<unknown>) =>
    sql`select count(*) as n from (select 1 as one from ${stream.from} ${whereOf(stream, null)}
      limit ${rows}) z`;
  // The substring list, read once when the page needs tier 2 (prefixes fewer than `limit`):
  // its first CAP + 1 matches give the count and, filtered, tier 2.
  const room = sql`${prefixed} < ${limit}`;
  const all = plan.allCount;
  const reuse = all !== null && plan.substringOf !== null;
  const ctes = [sql`c1 as materialized (${countOf(plan.prefixCount, sql`${CAP + 1}`)})`];
  if (all) {
    const countOnly = reuse
      ? sql`${prefixed} <= ${CAP} and ${prefixed} >= ${limit}`
      : sql`${prefixed} <= ${CAP}`;
    ctes.push(sql`c2 as materialized (${countOf(all, onlyIf(countOnly, CAP + 1))})`);
  }
  if (all && reuse) {
    ctes.push(sql`m as materialized (select ${all.key} as k from ${all.from} ${whereOf(all, null)}
      order by ${all.key} limit ${onlyIf(room, CAP + 1)})`);
  }
  const pages = sql.join(
    plan.tiers.map((t, i) => {
      if (t.tier === 2 && reuse && plan.substringOf) {
        return sql`select k, tier from (select m.k as k, 2 as tier from m
          where ${plan.substringOf(raw('m.k'))} order by m.k limit ${limit}) ${raw(`t${i}`)}`;
      }
      const guard = t.tier === 1 ? sql`${prefixed} > 0` : t.tier === 2 ? room : undefined;
      return streamRows(t.stream, null, limit, `t${i}`, guard);
    }),
    sql` union all `,
  );
  const matched = all
    ? reuse
      ? raw('(select n from c2) + (select count(*) from m)')
      : raw('(select n from c2)')
    : raw('0');
  const result = await sql<{ prefixed: number; matched: number; rows: unknown }>`
    with ${sql.join(ctes)}
    select ${prefixed} as prefixed, ${matched} as matched,
      (select ${pageJson(dialect)} from (select k, tier from (${pages}) u
        order by tier, ${raw(dialect === 'sqlite' ? 'k' : 'k collate "C"')} limit ${limit}) p
        ${pageJoin(dialect)}) as rows`.execute(db);
  const row = result.rows[0];
  const starts = Number(row?.prefixed ?? 0);
  const total = all && starts <= CAP ? Number(row?.matched ?? 0) : starts;
  return { rows: parseRows(row?.rows), total };
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
    // Only a miss pays for suggestions: a search with results costs what it did.
    if (total === 0 && term.mode !== 'all') {
      const suggestions = await storeSuggestions(db, dialect, term.exact, ctx.filters);
      const result = searchResult(rows, total, limit, now);
      return suggestions.length > 0 ? { ...result, suggestions } : result;
    }
  } else {
    const cursor = decodeCursor(query.cursor);
    total = cursor.n;
    rows = await readAfter(db, dialect, plan, cursor, limit + 1);
  }
  return searchResult(rows, total, limit, now);
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
