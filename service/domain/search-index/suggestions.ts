/*
 * "Did you mean …?" for a search that found nothing (issue 15): usernames within a few edits of
 * the query. Edits are Damerau-Levenshtein's (insert, delete, substitute, swap two neighbours),
 * counted on the folded username_key, so case never counts.
 */

/** Suggestions a search answers at most. */
export const MAX_SUGGESTIONS = 3;

/** The edits a query may be away from a suggestion: none under 4 characters (too many near misses). */
export function suggestionDistance(key: string): number {
  if (key.length < 4) return 0;
  return key.length <= 6 ? 1 : 2;
}

/**
 * The edit distance of `a` and `b` when at most `max`, else -1; rows stop early once every
 * cell passes `max`, so most usernames cost a few dozen steps.
 */
export function editsWithin(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return -1;
  const n = b.length;
  let before = new Array<number>(n + 1).fill(0);
  let previous = Array.from({ length: n + 1 }, (_, j) => j);
  let current = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= a.length; i += 1) {
    current[0] = i;
    let best = i;
    for (let j = 1; j <= n; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, (before[j - 2] ?? 0) + 1);
      }
      current[j] = d;
      if (d < best) best = d;
    }
    if (best > max) return -1;
    [before, previous, current] = [previous, current, before];
  }
  const d = previous[n] ?? max + 1;
  return d <= max ? d : -1;
}

/** A candidate: its distance, then its key, order the suggestions. */
export interface Suggestion {
  edits: number;
  key: string;
  username: string;
}

/** The best `MAX_SUGGESTIONS` of the candidates: fewest edits, then username_key order. */
export function bestSuggestions(found: Suggestion[]): string[] {
  return found
    .sort((x, y) => x.edits - y.edits || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0))
    .slice(0, MAX_SUGGESTIONS)
    .map((s) => s.username);
}
