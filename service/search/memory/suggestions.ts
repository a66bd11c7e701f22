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
 * The characters a key holds, one bit for each letter and a few shared by digits and the
 * rest. Each edit adds at most one character to a key's set and takes at most one away, so
 * keys whose sets differ by more than `max` are skipped without reading them.
 */
export function charMask(key: string): number {
  let mask = 0;
  for (let i = 0; i < key.length; i += 1) {
    const c = key.charCodeAt(i);
    const bit = c >= 97 && c <= 122 ? c - 97 : c >= 48 && c <= 57 ? 26 + (c % 3) : 29 + (c % 3);
    mask |= 1 << bit;
  }
  return mask >>> 0;
}

/** Whether two keys' character sets (charMask) leave room for at most `max` edits. */
export function masksWithin(a: number, b: number, max: number): boolean {
  return bitCount(a & ~b) <= max && bitCount(b & ~a) <= max;
}

function bitCount(x: number): number {
  let n = x - ((x >>> 1) & 0x55555555);
  n = (n & 0x33333333) + ((n >>> 2) & 0x33333333);
  return (((n + (n >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Rows of the distance table, reused: suggestions walk every slot of the index. */
let rows = [new Int32Array(64), new Int32Array(64), new Int32Array(64)];

/**
 * The edit distance of `a` and `b` when at most `max`, else -1; rows stop early once every
 * cell passes `max`, so most usernames cost a few dozen steps.
 */
export function editsWithin(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return -1;
  const n = b.length;
  if (rows[0] === undefined || rows[0].length <= n) {
    rows = [new Int32Array(n * 2 + 1), new Int32Array(n * 2 + 1), new Int32Array(n * 2 + 1)];
  }
  let [before, previous, current] = rows as [Int32Array, Int32Array, Int32Array];
  for (let j = 0; j <= n; j += 1) previous[j] = j;
  for (let i = 1; i <= a.length; i += 1) {
    const ai = a.charCodeAt(i - 1);
    current[0] = i;
    let best = i;
    for (let j = 1; j <= n; j += 1) {
      const bj = b.charCodeAt(j - 1);
      let d = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (ai === bj ? 0 : 1),
      );
      if (i > 1 && j > 1 && ai === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === bj) {
        d = Math.min(d, before[j - 2]! + 1);
      }
      current[j] = d;
      if (d < best) best = d;
    }
    if (best > max) return -1;
    [before, previous, current] = [previous, current, before];
  }
  const d = previous[n]!;
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
