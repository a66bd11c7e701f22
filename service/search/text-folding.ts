/*
 * How the account search spells text: the searchable text of an account (built by the store,
 * search-text-sql.ts) and the query (search-query.ts) are folded and marked alike, or a term
 * would miss its own account. Migration 002 keeps its own frozen copy of what it used then.
 */

/** Marks the start of a field or a word in the searchable text (never in a query). */
export const SEARCH_MARK = '\u0002';
/** Separates the windows of one gram in `w` (never in a query). */
export const WINDOW_SEPARATOR = '\n';
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

const FOLD = new Map<string, string>(FOLD_PAIRS.map(([upper, lower]) => [upper, lower]));

/** Case folding exactly as the index folds (ASCII, then FOLD_PAIRS): not toLowerCase(). */
export function foldSearchText(text: string): string {
  let out = '';
  for (const c of text) out += c >= 'A' && c <= 'Z' ? c.toLowerCase() : (FOLD.get(c) ?? c);
  return out;
}
