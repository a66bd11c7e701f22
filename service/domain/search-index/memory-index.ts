import { SEARCH_TOTAL_CAP, type SearchFilter } from '../../../common/api/account-search.ts';
import { SEARCH_MARK } from '../../store/migrations/002-search-indexes.ts';
import type { Tier } from '../search-page.ts';
import type { Term } from '../search-query.ts';
import { GramIds } from './gram-ids.ts';
import { SlotList, compareKeys } from './sorted-lists.ts';

/*
 * The account search of account-search.ts, answered from memory: the same matches, tiers,
 * order and capped total (test/service/search-index.test.ts compares the two).
 *
 * Each account has a slot: its username_key, its searchable document (migration 002's
 * searchDocument, read from the store so the folding is the store's own), organization and
 * status. Every 3-code-unit gram of the documents has a list of the slots holding it, in
 * username_key order, so a tier is a walk of one list in the order results are shown,
 * checking each slot's document for the whole pattern, until the page is full; the count
 * walks the pattern's rarest gram until it passes the cap.
 */

/** An account as the index holds it. */
export interface IndexedAccount {
  id: string;
  key: string;
  text: string;
  organizationId: string;
  lockedAt: number | null;
  lockedUntil: number | null;
  disabled: boolean;
  shared: boolean;
  mustChangePassword: boolean;
  hasQuestion: boolean;
}

/** A search as the index answers it (the query's pattern, filters and scope). */
export interface IndexQuery {
  term: Term;
  filters: readonly SearchFilter[];
  organization: string | undefined;
  /** The organizations the caller may see; null for all. */
  organizationIds: string[] | null;
  now: number;
}

export interface PageRow {
  key: string;
  tier: Tier;
}

const LIVE = 1;
const SHARED = 2;
const MUST_CHANGE = 4;
const NO_QUESTION = 8;
const DISABLED = 16;

const FILTER_FLAGS: Record<Exclude<SearchFilter, 'locked'>, number> = {
  shared: SHARED,
  must_change: MUST_CHANGE,
  no_question: NO_QUESTION,
  disabled: DISABLED,
};

/** The slots list[from..to) that pass `holds`, in order, are one tier's rows. */
interface Stream {
  tier: Tier;
  list: SlotList;
  from: number;
  to: number;
  holds: (slot: number) => boolean;
}

interface Plan {
  count: Stream;
  tiers: Stream[];
}

const EMPTY = SlotList.empty();
const PAUSE_EVERY = 20_000;

export class MemoryIndex {
  private readonly grams = new GramIds();
  private lists: Array<SlotList | undefined> = [];
  private all = SlotList.empty();
  private readonly keys: string[] = [];
  private readonly texts: string[] = [];
  private org = new Int32Array(1024);
  private flags = new Uint8Array(1024);
  private lockedAt = new Float64Array(1024);
  private lockedUntil = new Float64Array(1024);
  private readonly slotOfId = new Map<string, number>();
  private readonly organizations = new Map<string, number>();

  /** Accounts held. */
  get size(): number {
    return this.slotOfId.size;
  }

  /**
   * Builds the index from every account, `pages` yielding them in username_key order;
   * `pause` is awaited now and then so a large build leaves room for other work.
   */
  static async build(
    pages: AsyncIterable<IndexedAccount[]>,
    pause: () => Promise<void>,
  ): Promise<MemoryIndex> {
    const index = new MemoryIndex();
    let previous: string | null = null;
    for await (const page of pages) {
      for (const account of page) {
        if (previous !== null && compareKeys(previous, account.key) >= 0) {
          throw new Error('search index: accounts must come in username_key order');
        }
        previous = account.key;
        index.place(index.keys.length, account);
      }
    }
    const slots = index.keys.length;
    const all = new Int32Array(slots);
    for (let s = 0; s < slots; s += 1) all[s] = s;
    index.all = new SlotList(all, slots);
    await index.buildLists(pause);
    return index;
  }

  /** Two passes: count each gram's slots, then fill one array holding every list. */
  private async buildLists(pause: () => Promise<void>): Promise<void> {
    const slots = this.keys.length;
    let counts = new Int32Array(1 << 16);
    let last = new Int32Array(1 << 16);
    for (let s = 0; s < slots; s += 1) {
      const text = this.texts[s] ?? '';
      for (let i = 0; i + 3 <= text.length; i += 1) {
        const id = this.grams.id(text, i, true);
        if (id >= counts.length) {
          counts = grown(counts, id + 1);
          last = grown(last, id + 1);
        }
        if (last[id] !== s + 1) {
          last[id] = s + 1;
          counts[id] = (counts[id] ?? 0) + 1;
        }
      }
      if (s % PAUSE_EVERY === 0) await pause();
    }
    const ids = this.grams.size;
    const start = new Float64Array(ids + 1);
    for (let id = 0; id < ids; id += 1) start[id + 1] = (start[id] ?? 0) + (counts[id] ?? 0);
    const pool = new Int32Array(start[ids] ?? 0);
    const fill = start.slice(0, ids);
    last.fill(0);
    for (let s = 0; s < slots; s += 1) {
      const text = this.texts[s] ?? '';
      for (let i = 0; i + 3 <= text.length; i += 1) {
        const id = this.grams.id(text, i, false);
        if (last[id] !== s + 1) {
          last[id] = s + 1;
          const at = fill[id] ?? 0;
          pool[at] = s;
          fill[id] = at + 1;
        }
      }
      if (s % PAUSE_EVERY === 0) await pause();
    }
    this.lists = new Array<SlotList>(ids);
    for (let id = 0; id < ids; id += 1) {
      const from = start[id] ?? 0;
      const to = start[id + 1] ?? 0;
      this.lists[id] = new SlotList(pool.subarray(from, to), to - from);
    }
  }

  /** Writes an account's values into `slot` (lists untouched). */
  private place(slot: number, a: IndexedAccount): void {
    if (slot >= this.flags.length) {
      const capacity = Math.ceil(slot * 1.5) + 1024;
      this.org = grown(this.org, capacity);
      this.flags = grown(this.flags, capacity);
      this.lockedAt = grown(this.lockedAt, capacity);
      this.lockedUntil = grown(this.lockedUntil, capacity);
    }
    this.keys[slot] = a.key;
    this.texts[slot] = a.text;
    let org = this.organizations.get(a.organizationId);
    if (org === undefined) {
      org = this.organizations.size;
      this.organizations.set(a.organizationId, org);
    }
    this.org[slot] = org;
    this.flags[slot] =
      LIVE |
      (a.shared ? SHARED : 0) |
      (a.mustChangePassword ? MUST_CHANGE : 0) |
      (a.hasQuestion ? 0 : NO_QUESTION) |
      (a.disabled ? DISABLED : 0);
    this.lockedAt[slot] = a.lockedAt ?? Number.NaN;
    this.lockedUntil[slot] = a.lockedUntil ?? Number.POSITIVE_INFINITY;
    this.slotOfId.set(a.id, slot);
  }

  /** The distinct gram ids of a text (numbering new ones when `add`). */
  private gramsOf(text: string, add: boolean): number[] {
    const ids = new Set<number>();
    for (let i = 0; i + 3 <= text.length; i += 1) {
      const id = this.grams.id(text, i, add);
      if (id >= 0) ids.add(id);
    }
    return [...ids];
  }

  private unlist(slot: number): void {
    const key = this.keys[slot] ?? '';
    this.all.remove(this.keys, slot, key);
    for (const id of this.gramsOf(this.texts[slot] ?? '', false)) {
      this.lists[id]?.remove(this.keys, slot, key);
    }
  }

  private list(slot: number): void {
    const key = this.keys[slot] ?? '';
    this.all.insert(this.keys, slot, key);
    for (const id of this.gramsOf(this.texts[slot] ?? '', true)) {
      let list = this.lists[id];
      if (!list) {
        list = SlotList.empty();
        this.lists[id] = list;
      }
      list.insert(this.keys, slot, key);
    }
  }

  /**
   * Brings accounts up to date: `accounts` as the store now holds them, `removed` the ids of
   * those it no longer holds. Every slot leaves the lists before any is put back, so two
   * accounts that swapped usernames never meet under one key.
   */
  apply(accounts: readonly IndexedAccount[], removed: readonly string[]): void {
    const relist: Array<[number, IndexedAccount]> = [];
    for (const account of accounts) {
      const slot = this.slotOfId.get(account.id);
      if (slot === undefined) {
        relist.push([this.keys.length, account]);
        this.keys.push(account.key);
        this.texts.push('');
      } else if (this.keys[slot] !== account.key || this.texts[slot] !== account.text) {
        this.unlist(slot);
        relist.push([slot, account]);
      } else {
        this.place(slot, account);
      }
    }
    for (const id of removed) {
      const slot = this.slotOfId.get(id);
      if (slot === undefined) continue;
      this.unlist(slot);
      this.flags[slot] = 0;
      this.texts[slot] = '';
      this.slotOfId.delete(id);
    }
    for (const [slot, account] of relist) {
      this.place(slot, account);
      this.list(slot);
    }
  }

  private filterOf(q: IndexQuery): (slot: number) => boolean {
    let required = LIVE;
    let locked = false;
    for (const filter of q.filters) {
      if (filter === 'locked') locked = true;
      else required |= FILTER_FLAGS[filter];
    }
    let allowed: Uint8Array | null = null;
    if (q.organization !== undefined || q.organizationIds !== null) {
      allowed = new Uint8Array(this.organizations.size);
      const ids = q.organizationIds ?? [...this.organizations.keys()];
      for (const id of ids) {
        const ordinal = this.organizations.get(id);
        if (ordinal !== undefined && (q.organization === undefined || q.organization === id)) {
          allowed[ordinal] = 1;
        }
      }
    }
    const { flags, org, lockedAt, lockedUntil } = this;
    const now = q.now;
    return (s) =>
      ((flags[s] ?? 0) & required) === required &&
      (allowed === null || allowed[org[s] ?? -1] === 1) &&
      (!locked || (!Number.isNaN(lockedAt[s]) && (lockedUntil[s] ?? 0) > now));
  }

  /** The list of a gram of `m` with the fewest slots: every text holding `m` is in it. */
  private driver(m: string): SlotList {
    let best: SlotList | null = null;
    for (let i = 0; i + 3 <= m.length; i += 1) {
      const id = this.grams.id(m, i, false);
      const list = id < 0 ? undefined : this.lists[id];
      if (!list || list.length === 0) return EMPTY;
      if (!best || list.length < best.length) best = list;
    }
    return best ?? EMPTY;
  }

  /** The slot whose username_key is `key`, as a list of one (or none). */
  private exactly(key: string): SlotList {
    const slot = this.all.at(this.all.bound(this.keys, key, false));
    if (slot < 0 || this.keys[slot] !== key) return EMPTY;
    return new SlotList(Int32Array.of(slot), 1, true);
  }

  private plan(q: IndexQuery): Plan {
    const { keys, texts } = this;
    const passes = this.filterOf(q);
    const { term } = q;
    const exact = term.exact;
    const stream = (tier: Tier, list: SlotList, holds: (s: number) => boolean): Stream => ({
      tier,
      list,
      from: 0,
      to: list.length,
      holds,
    });
    if (term.mode === 'all') {
      const all = stream(3, this.all, passes);
      return { count: all, tiers: [all] };
    }
    if (term.mode === 'one') {
      const c = term.chars[0] ?? '';
      const next = String.fromCodePoint((c.codePointAt(0) ?? 0) + 1);
      const from = this.all.bound(keys, c, false);
      const to = this.all.bound(keys, next, false);
      const range = (tier: Tier, holds: (s: number) => boolean): Stream => ({
        ...stream(tier, this.all, holds),
        from,
        to,
      });
      const inRange = (s: number) => {
        const key = keys[s] ?? '';
        return compareKeys(key, c) >= 0 && compareKeys(key, next) < 0;
      };
      return {
        count: range(1, passes),
        tiers: [
          stream(0, this.exactly(exact), (s) => passes(s) && inRange(s)),
          range(1, (s) => passes(s) && keys[s] !== exact),
        ],
      };
    }
    const pattern = term.chars.join('');
    const starts = SEARCH_MARK + pattern;
    const startsHere = (s: number) => (texts[s] ?? '').includes(starts);
    const prefixTiers = [
      stream(0, this.exactly(exact), (s) => passes(s) && startsHere(s)),
      stream(1, this.driver(starts), (s) => passes(s) && keys[s] !== exact && startsHere(s)),
    ];
    if (term.mode === 'two') {
      return {
        count: stream(1, this.driver(starts), (s) => passes(s) && startsHere(s)),
        tiers: prefixTiers,
      };
    }
    const anywhere = this.driver(pattern);
    const holds = (s: number) => (texts[s] ?? '').includes(pattern);
    return {
      count: stream(2, anywhere, (s) => passes(s) && holds(s)),
      tiers: [
        ...prefixTiers,
        stream(2, anywhere, (s) => passes(s) && keys[s] !== exact && holds(s) && !startsHere(s)),
      ],
    };
  }

  private static walk(stream: Stream, from: number, want: number, keys: string[], out: PageRow[]) {
    const { list, holds, tier } = stream;
    for (let i = from; i < stream.to && out.length < want; i += 1) {
      const slot = list.at(i);
      if (holds(slot)) out.push({ key: keys[slot] ?? '', tier });
    }
  }

  /** The first `limit` rows and the total, counted up to SEARCH_TOTAL_CAP + 1. */
  firstPage(q: IndexQuery, limit: number): { rows: PageRow[]; total: number } {
    const plan = this.plan(q);
    const { count } = plan;
    let total = 0;
    for (let i = count.from; i < count.to && total <= SEARCH_TOTAL_CAP; i += 1) {
      if (count.holds(count.list.at(i))) total += 1;
    }
    const rows: PageRow[] = [];
    for (const stream of plan.tiers) MemoryIndex.walk(stream, stream.from, limit, this.keys, rows);
    return { rows, total };
  }

  /** `limit` rows after the row (tier, key) a page ended with. */
  after(q: IndexQuery, last: PageRow, limit: number): PageRow[] {
    const rows: PageRow[] = [];
    for (const stream of this.plan(q).tiers) {
      if (stream.tier < last.tier) continue;
      const from =
        stream.tier === last.tier
          ? Math.max(stream.from, stream.list.bound(this.keys, last.key, true))
          : stream.from;
      MemoryIndex.walk(stream, from, limit, this.keys, rows);
      if (rows.length >= limit) break;
    }
    return rows;
  }
}

function grown<T extends Int32Array | Uint8Array | Float64Array>(array: T, length: number): T {
  const next = new (array.constructor as new (n: number) => T)(Math.max(length, array.length * 2));
  next.set(array);
  return next;
}
