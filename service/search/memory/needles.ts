import { SEARCH_MARK } from '../text-folding.ts';
import type { GramIds } from './gram-ids.ts';
import { LONGEST_ANCHOR } from './gram-lists.ts';
import { SlotList } from './sorted-lists.ts';

// Which lists a search pattern is read from (memory-index.ts walks them).

/** The list of a gram no document holds. */
export const EMPTY = SlotList.empty();

/** Where a needle's matches are: `list`, narrowed by `also`, then `text` checked if not exact. */
export interface Needle {
  text: string;
  list: SlotList;
  also: SlotList[];
  exact: boolean;
}

/** A gram's (or anchor's) list and where the gram lies in the needle. */
interface Span {
  list: SlotList;
  from: number;
  to: number;
}

const ALSO = 2;

/**
 * The lists a walk checks each candidate of the shortest (`first`) against before reading its
 * document, ALSO in all: first the shortest covering each end of the needle that `first`
 * leaves out (checked first: they are the ones likely to fail), then the shortest others.
 * The lists next in length alone are often implied by the first: every candidate of "homp"
 * for "rthomp" held "omp" and "thom", while "rtho" left 380 of its 6,957.
 */
function alsoLists(first: Span, rest: readonly Span[], length: number): SlotList[] {
  const chosen: Span[] = [];
  const covered = (at: number) =>
    [first, ...chosen].some((span) => span.from <= at && at < span.to);
  for (const end of [0, length - 1]) {
    if (covered(end)) continue;
    const span = rest.find((s) => s.from <= end && end < s.to && !chosen.includes(s));
    if (span && chosen.length < ALSO) chosen.push(span);
  }
  for (const span of rest) {
    if (chosen.length >= ALSO) break;
    if (!chosen.includes(span)) chosen.push(span);
  }
  return chosen.map((span) => span.list);
}

/**
 * Where the documents holding `text` (3 units or more; the prefix tiers put the mark first)
 * are: one list exactly theirs when `text` is an anchor or a single gram, else the shortest
 * list of its grams and anchor, narrowed by `alsoLists` and then checked against each document.
 */
export function findNeedle(
  grams: GramIds,
  lists: readonly (SlotList | undefined)[],
  text: string,
): Needle {
  const spans: Span[] = [];
  const listOf = (id: number) => (id < 0 ? EMPTY : (lists[id] ?? EMPTY));
  let exact: SlotList | null = null;
  if (text[0] === SEARCH_MARK && text.length >= 4) {
    const length = Math.min(text.length, LONGEST_ANCHOR);
    const anchor = listOf(grams.anchorId(text, 0, length, false));
    if (length === text.length) exact = anchor;
    spans.push({ list: anchor, from: 0, to: length });
  }
  for (let i = 0; i + 3 <= text.length; i += 1) {
    spans.push({ list: listOf(grams.id(text, i, false)), from: i, to: i + 3 });
  }
  if (text.length === 3) exact = spans[0]?.list ?? EMPTY;
  for (let i = 0; i + 4 <= text.length; i += 1) {
    if (text[i] === SEARCH_MARK) continue;
    const quad = listOf(grams.quadId(text, i, false));
    if (text.length === 4) exact = quad;
    spans.push({ list: quad, from: i, to: i + 4 });
  }
  if (exact) return { text, list: exact, also: [], exact: true };
  spans.sort((a, b) => a.list.length - b.list.length);
  const [first = { list: EMPTY, from: 0, to: 0 }, ...rest] = spans;
  return { text, list: first.list, also: alsoLists(first, rest, text.length), exact: false };
}
