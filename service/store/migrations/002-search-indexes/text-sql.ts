import type { Dialect } from '../../database.ts';

// Frozen with migration 002: what it used when it was written. The live account search spells
// text in service/search/ (text-folding.ts, search-text-sql.ts, search-grams-sql.ts); a change
// there must not change what this historic migration does, so nothing here imports it.

/** Characters dropped from a phone number (and from a phone-like query) before matching. */
export const PHONE_PUNCTUATION = ' +-()./';

/**
 * Case folding shared by SQLite, PostgreSQL and the query: upper → lower for every character of
 * Latin (incl. Vietnamese), Greek and Cyrillic whose lower case is one character, plus final
 * sigma → sigma. SQLite's lower() folds ASCII only and PostgreSQL's depends on the database's
 * locale, so neither is used for anything outside A–Z.
 */
export const FOLD_PAIRS: ReadonlyArray<readonly [string, string]> = foldPairs();

function foldPairs(): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  const ranges: Array<[number, number]> = [
    [0x00c0, 0x024f],
    [0x0370, 0x03ff],
    [0x0400, 0x052f],
    [0x1e00, 0x1eff],
  ];
  for (const [from, to] of ranges) {
    for (let cp = from; cp <= to; cp += 1) {
      const upper = String.fromCodePoint(cp);
      const lower = upper.toLowerCase();
      if (lower !== upper && [...lower].length === 1) pairs.push([upper, lower]);
    }
  }
  pairs.push(['\u03c2', '\u03c3']); // ς → σ: JavaScript lower-cases a final Σ to ς
  return pairs;
}

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;
const MARK_SQL = 'char(2)';

/** SQL expressions over one dialect: how the searchable text is built from column values. */
export interface SearchTextSql {
  /** Case folding of a text expression. */
  fold(x: string): string;
  /** Case folding of A–Z only: the same as `fold` wherever an ASCII pattern can match. */
  foldAscii(x: string): string;
  /** The start mark after each space and hyphen. */
  words(x: string): string;
  /** The phone number without punctuation. */
  digits(x: string): string;
  mark: string;
  concat(...parts: string[]): string;
}

/** Positions 1..SEARCH_POSITIONS (SQLite has no generate_series): text beyond is not indexed. */
export const SEARCH_POSITIONS = 1024;

function sqliteText(): SearchTextSql {
  const mark = MARK_SQL;
  return {
    mark,
    // lower() for ASCII; other text (rare) character by character through search_fold.
    fold: (x) =>
      `(case when ${x} glob '*[^ -~]*' then (select group_concat(coalesce(f.lo, substr(${x}, n.i, 1)), '' order by n.i)
         from search_positions n left join search_fold f on f.up = substr(${x}, n.i, 1)
         where n.i <= length(${x})) else lower(${x}) end)`,
    foldAscii: (x) => `lower(${x})`,
    words: (x) => `replace(replace(${x}, ' ', ' ' || ${mark}), '-', '-' || ${mark})`,
    digits: (x) => {
      let out = x;
      for (const c of PHONE_PUNCTUATION) out = `replace(${out}, ${quote(c)}, '')`;
      return out;
    },
    concat: (...parts) => parts.join(' || '),
  };
}

export const ASCII_UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
export const ASCII_LOWER = 'abcdefghijklmnopqrstuvwxyz';

function postgresText(): SearchTextSql {
  const mark = 'chr(2)';
  const upper = quote(ASCII_UPPER + FOLD_PAIRS.map(([u]) => u).join(''));
  const lower = quote(ASCII_LOWER + FOLD_PAIRS.map(([, l]) => l).join(''));
  const ascii = (x: string) => `translate(${x}, '${ASCII_UPPER}', '${ASCII_LOWER}')`;
  return {
    mark,
    // translate(), not lower(): the same folding whatever the database's locale; the long
    // table only for text that is not ASCII (translate() is slow with it).
    fold: (x) =>
      `(case when octet_length(${x}) = char_length(${x}) then ${ascii(x)} else translate(${x}, ${upper}, ${lower}) end)`,
    foldAscii: ascii,
    words: (x) => `replace(replace(${x}, ' ', ' ' || ${mark}), '-', '-' || ${mark})`,
    digits: (x) => `translate(${x}, ${quote(PHONE_PUNCTUATION)}, '')`,
    concat: (...parts) => parts.join(' || '),
  };
}

export const searchTextSql = (dialect: Dialect): SearchTextSql =>
  dialect === 'sqlite' ? sqliteText() : postgresText();

/** Column expressions of the account whose searchable text is built. */
export interface SearchSource {
  usernameKey: string;
  emailKey: string;
  name: string;
  phone: string;
  organizationName: string;
}

/**
 * The five fields of the searchable text as SQL expressions (a field may be just the mark).
 * `asciiOnly`: folded for matching an ASCII pattern only (a much shorter expression).
 */
export function searchFields(dialect: Dialect, src: SearchSource, asciiOnly = false): string[] {
  const t = searchTextSql(dialect);
  const fold = asciiOnly ? t.foldAscii : t.fold;
  const field = (x: string) => t.concat(t.mark, t.words(fold(x)));
  return [
    field(src.usernameKey),
    field(src.emailKey),
    field(src.name),
    t.concat(t.mark, t.digits(src.phone)),
    field(`coalesce(${src.organizationName}, '')`),
  ];
}
