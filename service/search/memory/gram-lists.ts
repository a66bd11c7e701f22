import { SEARCH_MARK } from '../text-folding.ts';
import type { GramIds } from './gram-ids.ts';
import { SlotList } from './sorted-lists.ts';

// The lists of memory-index.ts: which grams and anchors a document has, and every list built
// at once from all the documents.

const PAUSE_EVERY = 20_000;
const NEWLINE = '\n';

/**
 * Anchor lengths in code units, the mark included: a prefix of up to 6 characters has an
 * exact list. Those of 5 and 6 characters cost about 6 s of build and 83 MB at 1,000,000
 * accounts (237,000 anchors in all) and took the prefix kinds' cold p95 in process from
 * 0.53–0.72 to 0.18–0.32 ms: a 5- or 6-character prefix with more than a thousand matches no
 * longer reads a thousand documents to count them.
 */
const ANCHOR_UNITS = [4, 5, 6, 7] as const;
/** The longest anchor: a needle's list is exact up to this many units. */
export const LONGEST_ANCHOR = Math.max(...ANCHOR_UNITS);

/**
 * Calls `each` with the id of every gram and anchor of `text` (repeats included). 4-grams
 * leave out those starting with the mark (the anchors of 4 units are those) and those
 * across two fields (no pattern holds a newline).
 */
export function forEachGram(
  grams: GramIds,
  text: string,
  add: boolean,
  each: (id: number) => void,
): void {
  for (let i = 0; i + 3 <= text.length; i += 1) {
    const id = grams.id(text, i, add);
    if (id >= 0) each(id);
    if (i + 4 <= text.length && text[i] !== SEARCH_MARK && isQuad(text, i)) {
      const quad = grams.quadId(text, i, add);
      if (quad >= 0) each(quad);
    }
    if (text[i] === SEARCH_MARK) {
      for (const length of ANCHOR_UNITS) {
        if (i + length > text.length) break;
        const anchorText = text.slice(i, i + length);
        if (anchorText.includes(NEWLINE)) break;
        const anchor = grams.anchorOf(anchorText, add);
        if (anchor >= 0) each(anchor);
      }
    }
  }
}

/**
 * The list of every gram of the documents (slot = position in `texts`), in two passes:
 * count each gram's slots, then fill one array holding every list. `pause` is awaited now
 * and then so a large build leaves room for other work.
 */
export async function buildGramLists(
  grams: GramIds,
  texts: readonly string[],
  pause: () => Promise<void>,
): Promise<SlotList[]> {
  const slots = texts.length;
  let counts = new Int32Array(1 << 16);
  let last = new Int32Array(1 << 16);
  let slot = 0;
  const count = (id: number) => {
    if (id >= counts.length) {
      counts = grown(counts, id + 1);
      last = grown(last, id + 1);
    }
    if (last[id] !== slot + 1) {
      last[id] = slot + 1;
      counts[id] = (counts[id] ?? 0) + 1;
    }
  };
  for (slot = 0; slot < slots; slot += 1) {
    forEachGram(grams, texts[slot] ?? '', true, count);
    if (slot % PAUSE_EVERY === 0) await pause();
  }
  const ids = grams.size;
  const start = new Float64Array(ids + 1);
  for (let id = 0; id < ids; id += 1) start[id + 1] = (start[id] ?? 0) + (counts[id] ?? 0);
  const pool = new Int32Array(start[ids] ?? 0);
  const fill = start.slice(0, ids);
  last.fill(0);
  const put = (id: number) => {
    if (last[id] !== slot + 1) {
      last[id] = slot + 1;
      const at = fill[id] ?? 0;
      pool[at] = slot;
      fill[id] = at + 1;
    }
  };
  for (slot = 0; slot < slots; slot += 1) {
    forEachGram(grams, texts[slot] ?? '', false, put);
    if (slot % PAUSE_EVERY === 0) await pause();
  }
  const lists = new Array<SlotList>(ids);
  for (let id = 0; id < ids; id += 1) {
    const from = start[id] ?? 0;
    const to = start[id + 1] ?? 0;
    lists[id] = new SlotList(pool.subarray(from, to), to - from);
  }
  return lists;
}

/** Whether `text[i..i+4)` is a 4-gram the lists hold (see forEachGram). */
function isQuad(text: string, i: number): boolean {
  return (
    text[i] !== NEWLINE &&
    text[i + 1] !== NEWLINE &&
    text[i + 2] !== NEWLINE &&
    text[i + 3] !== NEWLINE
  );
}

/** A copy of `array` at least `length` long (at least twice as long). */
export function grown<T extends Int32Array | Uint8Array | Float64Array>(
  array: T,
  length: number,
): T {
  const next = new (array.constructor as new (n: number) => T)(Math.max(length, array.length * 2));
  next.set(array);
  return next;
}
