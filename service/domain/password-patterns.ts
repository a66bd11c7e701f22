import { adjacencyGraphs } from '@zxcvbn-ts/language-common';

/**
 * Patterns that make a long password easy to guess (R53): a short unit repeated, and walks
 * along the keyboard or the alphabet. Both look at the text lower-cased and without spaces or
 * punctuation, so separators between the pieces hide nothing.
 */

/** Lower-case letters and digits only. */
export const lettersAndDigits = (text: string): string =>
  text.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');

/** Lower case, without spaces, punctuation and control characters (emoji and symbols stay). */
export const withoutSeparators = (text: string): string =>
  text.toLowerCase().replace(/[\p{Z}\p{P}\p{C}]/gu, '');

/**
 * The shortest unit `text` repeats, when it is at least two whole copies of it (a partial
 * copy may follow: "monkeymonkeymonk"); otherwise null. Prefix function (Knuth–Morris–Pratt).
 */
export function repeatedUnit(text: string): string | null {
  const chars = [...text];
  if (chars.length === 0) return null;
  const prefix = new Array<number>(chars.length).fill(0);
  for (let i = 1; i < chars.length; i += 1) {
    let k = prefix[i - 1] ?? 0;
    while (k > 0 && chars[i] !== chars[k]) k = prefix[k - 1] ?? 0;
    if (chars[i] === chars[k]) k += 1;
    prefix[i] = k;
  }
  const period = chars.length - (prefix[chars.length - 1] ?? 0);
  return chars.length >= 2 * period ? chars.slice(0, period).join('') : null;
}

/** For each key of a US keyboard, its neighbours and the direction (0–5) each lies in. */
const KEYBOARD: ReadonlyMap<string, ReadonlyMap<string, number>> = (() => {
  const graph = adjacencyGraphs.qwerty as Record<string, Array<string | null>>;
  const keys = new Map<string, Map<string, number>>();
  for (const [key, around] of Object.entries(graph)) {
    const from = key.toLowerCase();
    const neighbours = keys.get(from) ?? new Map<string, number>();
    around.forEach((pair, direction) => {
      for (const to of pair?.toLowerCase() ?? '')
        if (to !== from && !neighbours.has(to)) neighbours.set(to, direction);
    });
    keys.set(from, neighbours);
  }
  return keys;
})();

const isLetter = (c: string) => c >= 'a' && c <= 'z';
const isDigit = (c: string) => c >= '0' && c <= '9';

/**
 * The ways one character leads to the next: `k0`…`k5` for the neighbouring key in that
 * direction, `+1` / `-1` for the next or previous letter or digit.
 */
function steps(from: string, to: string): Set<string> {
  const found = new Set<string>();
  const direction = KEYBOARD.get(from)?.get(to);
  if (direction !== undefined) found.add(`k${direction}`);
  const delta = to.charCodeAt(0) - from.charCodeAt(0);
  const sameKind = (isLetter(from) && isLetter(to)) || (isDigit(from) && isDigit(to));
  if (sameKind && (delta === 1 || delta === -1)) found.add(delta === 1 ? '+1' : '-1');
  return found;
}

/** Straight runs shorter than this are ordinary text ("ert" in "alert", "stu" in "study"). */
const MIN_STRAIGHT_RUN = 3;
/** Walks that turn ("1q2w3e", "plokij") count from this many keys: words rarely make one. */
const MIN_WALK = 6;

/** Marks the straight runs: one keyboard direction, or one way through the alphabet or digits. */
function markStraightRuns(chars: string[], covered: boolean[]): void {
  let start = 0;
  let heading = new Set<string>();
  const close = (end: number) => {
    if (end - start + 1 >= MIN_STRAIGHT_RUN) covered.fill(true, start, end + 1);
  };
  for (let i = 1; i < chars.length; i += 1) {
    const next = steps(chars[i - 1] ?? '', chars[i] ?? '');
    const same = new Set([...heading].filter((s) => next.has(s)));
    if (same.size > 0) {
      heading = same;
      continue;
    }
    close(i - 1);
    start = next.size > 0 ? i - 1 : i;
    heading = next;
  }
  close(chars.length - 1);
}

/** Marks the walks: each key next to the one before, in any direction. */
function markWalks(chars: string[], covered: boolean[]): void {
  let start = 0;
  for (let i = 1; i <= chars.length; i += 1) {
    const onward = i < chars.length && KEYBOARD.get(chars[i - 1] ?? '')?.has(chars[i] ?? '');
    if (onward) continue;
    if (i - start >= MIN_WALK) covered.fill(true, start, i);
    start = i;
  }
}

/**
 * The share (0–1) of `text` that is predictable: straight runs of 3 or more along a keyboard
 * row or column (qwerty, poiuy, 1qaz, zaq1) or through the alphabet or the digits (abcd,
 * 4321), and keyboard walks of 6 or more keys that turn (1q2w3e, plokij).
 */
export function predictableShare(text: string): number {
  const chars = [...text];
  if (chars.length === 0) return 0;
  const covered = new Array<boolean>(chars.length).fill(false);
  markStraightRuns(chars, covered);
  markWalks(chars, covered);
  return covered.filter(Boolean).length / chars.length;
}
