import { SEARCH_TOTAL_CAP, type SearchFilter } from '../../../common/api/account-search.ts';
import { SEARCH_MARK } from '../text-folding.ts';
import type { Row, Tier } from '../search-page.ts';
import type { Term } from '../search-query.ts';
import { GramIds } from './gram-ids.ts';
import { buildGramLists, forEachGram, grown } from './gram-lists.ts';
import { EMPTY, findNeedle, type Needle } from './needles.ts';
import { SlotIds } from './slot-ids.ts';
import { EMAIL, ID, KEY, NAME, PHONE, SlotRecords, USERNAME, utf8 } from './slot-records.ts';
import { Gallop, SlotList, compareKeys } from './sorted-lists.ts';
import {
  bestSuggestions,
  charMask,
  editsWithin,
  masksWithin,
  suggestionDistance,
  type Suggestion,
} from './suggestions.ts';

/*
 * The account search of account-search.ts, answered from memory: the same matches, tiers,
 * order and capped total (test/service/search-index.test.ts runs the store's tests on it).
 *
 * Each account has a slot: its username_key, its searchable document (migration 002's
 * searchDocument, read from the store so the folding is the store's own), its row as a
 * search answers it, organization and status (the row's strings in slot-records.ts, off the
 * heap). Every 3- and 4-code-unit gram of the documents, and every anchor (the start mark and
 * 3 to 6 units: a field or word starting so), has a list of the slots holding it in
 * username_key order. A needle (the pattern, or mark + pattern for the prefix tiers) is read
 * from its shortest list, each slot checked against two more (integer work, by rank; which
 * two is needles.ts's choice) and then, unless one list is exactly the needle's, its
 * document; a tier is such a walk until the page is full, the count one until past the cap.
 */

/** An account as the index holds it: what it searches and what an answer shows. */
export interface IndexedAccount {
  id: string;
  key: string;
  text: string;
  username: string;
  email: string;
  name: string;
  phone: string;
  organizationId: string;
  organizationName: string;
  lockedAt: number | null;
  lockedUntil: number | null;
  disabledAt: number | null;
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

/** One tier: the slots of a needle passing `passes`, minus another needle's. */
interface Stream {
  tier: Tier;
  needle: Needle;
  from: number;
  to: number;
  passes: ((slot: number) => boolean) | null;
  without: Needle | null;
}

/**
 * The matches: `exact` (tier 0, the account whose username_key is the query), then each
 * section's slots in order, the exact one left out (it is tier 0). Walking a section once
 * both counts it and lists its first rows.
 */
interface Plan {
  exact: Stream | null;
  exactKey: Uint8Array | null;
  sections: Stream[];
}

export class MemoryIndex {
  private readonly grams = new GramIds();
  private lists: Array<SlotList | undefined> = [];
  private all = SlotList.empty();
  private readonly records = new SlotRecords();
  private readonly texts: string[] = [];
  /** Slots used so far (a removed account's slot stays, empty). */
  private slots = 0;
  private readonly organizationIds: string[] = [];
  private readonly organizationNames: string[] = [];
  private rank = new Int32Array(1024);
  private org = new Int32Array(1024);
  private flags = new Uint8Array(1024);
  private lockedAt = new Float64Array(1024);
  private lockedUntil = new Float64Array(1024);
  private disabledAt = new Float64Array(1024);
  /** Each username_key's length (capped at 255), so suggestions skip most slots unread. */
  private keyLength = new Uint8Array(1024);
  private keyMask = new Int32Array(1024);
  private readonly slotOfId = new SlotIds(this.records);
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
        index.place(index.slots, account);
      }
    }
    const slots = index.slots;
    const all = new Int32Array(slots);
    for (let s = 0; s < slots; s += 1) {
      all[s] = s;
      index.rank[s] = s;
    }
    index.all = new SlotList(all, slots);
    index.lists = await buildGramLists(index.grams, index.texts, pause);
    return index;
  }

  /**
   * Writes an account's values into `slot` (lists and ranks untouched); the next unused slot
   * takes a new account.
   */
  private place(slot: number, a: IndexedAccount): void {
    if (slot >= this.flags.length) {
      const capacity = Math.ceil(slot * 1.5) + 1024;
      this.rank = grown(this.rank, capacity);
      this.org = grown(this.org, capacity);
      this.flags = grown(this.flags, capacity);
      this.lockedAt = grown(this.lockedAt, capacity);
      this.lockedUntil = grown(this.lockedUntil, capacity);
      this.disabledAt = grown(this.disabledAt, capacity);
      this.keyLength = grown(this.keyLength, capacity);
      this.keyMask = grown(this.keyMask, capacity);
    }
    this.records.set(slot, [a.key, a.id, a.username, a.email, a.name, a.phone]);
    this.texts[slot] = a.text;
    if (slot >= this.slots) {
      this.slotOfId.add(slot);
      this.slots = slot + 1;
    }
    let org = this.organizations.get(a.organizationId);
    if (org === undefined) {
      org = this.organizations.size;
      this.organizations.set(a.organizationId, org);
      this.organizationIds[org] = a.organizationId;
    }
    this.organizationNames[org] = a.organizationName;
    this.org[slot] = org;
    this.flags[slot] =
      LIVE |
      (a.shared ? SHARED : 0) |
      (a.mustChangePassword ? MUST_CHANGE : 0) |
      (a.hasQuestion ? 0 : NO_QUESTION) |
      (a.disabledAt !== null ? DISABLED : 0);
    this.lockedAt[slot] = a.lockedAt ?? Number.NaN;
    this.lockedUntil[slot] = a.lockedUntil ?? Number.POSITIVE_INFINITY;
    this.disabledAt[slot] = a.disabledAt ?? Number.NaN;
    this.keyLength[slot] = Math.min(255, a.key.length);
    this.keyMask[slot] = charMask(a.key);
  }

  private gramsOf(text: string, add: boolean): Set<number> {
    const ids = new Set<number>();
    forEachGram(this.grams, text, add, (id) => ids.add(id));
    return ids;
  }

  /** Compares a slot's key with `key` (code point order). */
  private keyOrder(key: Uint8Array): (slot: number) => number {
    return (slot) => this.records.compareKey(slot, key);
  }

  private unlist(slot: number): void {
    const order = this.keyOrder(utf8(this.records.field(slot, KEY)));
    this.all.remove(order, slot);
    for (const id of this.gramsOf(this.texts[slot] ?? '', false)) {
      this.lists[id]?.remove(order, slot);
    }
  }

  private list(slot: number): void {
    const order = this.keyOrder(utf8(this.records.field(slot, KEY)));
    this.all.insert(order, slot);
    for (const id of this.gramsOf(this.texts[slot] ?? '', true)) {
      let list = this.lists[id];
      if (!list) {
        list = SlotList.empty();
        this.lists[id] = list;
      }
      list.insert(order, slot);
    }
  }

  /**
   * Brings accounts up to date: `accounts` as the store now holds them, `removed` the ids of
   * those it no longer holds. Every slot leaves the lists before any is put back, so two
   * accounts that swapped usernames never meet under one key.
   */
  apply(accounts: readonly IndexedAccount[], removed: readonly string[]): void {
    const relist: Array<[number, IndexedAccount]> = [];
    let fresh = this.slots;
    for (const account of accounts) {
      const slot = this.slotOfId.get(account.id);
      if (slot === undefined) {
        relist.push([fresh, account]);
        fresh += 1;
      } else if (
        this.records.field(slot, KEY) !== account.key ||
        (this.texts[slot] ?? '') !== account.text
      ) {
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
      this.slotOfId.delete(id);
      this.records.clear(slot);
      this.texts[slot] = '';
    }
    for (const [slot, account] of relist) {
      this.place(slot, account);
      this.list(slot);
    }
    if (relist.length > 0 || removed.length > 0) {
      for (let i = 0; i < this.all.length; i += 1) this.rank[this.all.at(i)] = i;
    }
  }

  /** The row of a slot as the store's search answers it (search-page.ts). */
  private rowOf(slot: number, tier: Tier): Row {
    const org = this.org[slot] ?? 0;
    const nullable = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? null : x);
    const until = this.lockedUntil[slot];
    const flags = this.flags[slot] ?? 0;
    const fields = this.records.fields(slot);
    return [
      fields[KEY] ?? '',
      tier,
      fields[ID] ?? '',
      fields[USERNAME] ?? '',
      fields[EMAIL] ?? '',
      fields[NAME] ?? '',
      fields[PHONE] ?? '',
      this.organizationIds[org] ?? '',
      this.organizationNames[org] ?? '',
      nullable(this.lockedAt[slot]),
      until === Number.POSITIVE_INFINITY ? null : nullable(until),
      nullable(this.disabledAt[slot]),
      (flags & SHARED) !== 0,
      (flags & MUST_CHANGE) !== 0,
      (flags & NO_QUESTION) === 0,
    ];
  }

  /** Filters and scope as one test, or null when there are none. */
  private filterOf(q: IndexQuery): ((slot: number) => boolean) | null {
    let required = LIVE;
    let locked = false;
    for (const filter of q.filters) {
      if (filter === 'locked') locked = true;
      else required |= FILTER_FLAGS[filter];
    }
    let allowed: Uint8Array | null = null;
    if (q.organization !== undefined || q.organizationIds !== null) {
      allowed = new Uint8Array(this.organizations.size);
      const ids =
        q.organization === undefined
          ? (q.organizationIds ?? [])
          : (q.organizationIds ?? [q.organization]).filter((id) => id === q.organization);
      for (const id of ids) {
        const ordinal = this.organizations.get(id);
        if (ordinal !== undefined) allowed[ordinal] = 1;
      }
    }
    if (required === LIVE && !locked && allowed === null) return null;
    const { flags, org, lockedAt, lockedUntil } = this;
    const now = q.now;
    return (s) =>
      ((flags[s] ?? 0) & required) === required &&
      (allowed === null || allowed[org[s] ?? -1] === 1) &&
      (!locked || (!Number.isNaN(lockedAt[s]) && (lockedUntil[s] ?? 0) > now));
  }

  /** Where the documents holding `text` (3 units or more) are. */
  private needleOf(text: string): Needle {
    return findNeedle(this.grams, this.lists, text);
  }

  private plan(q: IndexQuery): Plan {
    const { records } = this;
    const filter = this.filterOf(q);
    const { term } = q;
    const exact = utf8(term.exact);
    const stream = (tier: Tier, needle: Needle, without: Needle | null = null): Stream => ({
      tier,
      needle,
      from: 0,
      to: needle.list.length,
      passes: filter,
      without,
    });
    const whole = (list: SlotList): Needle => ({ text: '', list, also: [], exact: true });
    const one = (slot: number): Stream =>
      stream(0, whole(slot < 0 ? EMPTY : new SlotList(Int32Array.of(slot), 1, true)));
    const exactSlot = (() => {
      const slot = this.all.at(this.all.bound(this.keyOrder(exact), false));
      return slot >= 0 && records.compareKey(slot, exact) === 0 ? slot : -1;
    })();
    if (term.mode === 'all') {
      return { exact: null, exactKey: null, sections: [stream(3, whole(this.all))] };
    }
    if (term.mode === 'one') {
      const c = utf8(term.chars[0] ?? '');
      const from = this.all.bound(this.keyOrder(c), false);
      // Past every key starting with c: those come right after c itself.
      const to = this.all.bound(
        (slot) => (records.keyStartsWith(slot, c) ? -1 : records.compareKey(slot, c)),
        false,
      );
      const rank = this.rank[exactSlot] ?? -1;
      const inRange = exactSlot >= 0 && rank >= from && rank < to;
      return {
        exact: one(inRange ? exactSlot : -1),
        exactKey: exact,
        sections: [{ ...stream(1, whole(this.all)), from, to }],
      };
    }
    const pattern = term.chars.join('');
    const starts = this.needleOf(SEARCH_MARK + pattern);
    const startsHere = this.holder(starts);
    const head = {
      exact: one(exactSlot >= 0 && startsHere(exactSlot) ? exactSlot : -1),
      exactKey: exact,
    };
    if (term.mode === 'two') return { ...head, sections: [stream(1, starts)] };
    return { ...head, sections: [stream(1, starts), stream(2, this.needleOf(pattern), starts)] };
  }

  /** Whether a slot's document holds a needle (one slot at a time: no gallop). */
  private holder(needle: Needle): (slot: number) => boolean {
    if (needle.exact && needle.text === '') return () => true;
    return (slot) => (this.texts[slot] ?? '').includes(needle.text);
  }

  /**
   * Walks a stream from position `from`, calling `take` with each slot it holds until `take`
   * answers false.
   */
  private walk(stream: Stream, from: number, take: (slot: number) => boolean): void {
    const { needle, passes, without } = stream;
    const { list, exact } = needle;
    const also = needle.also.map((l) => new Gallop(l, this.rank));
    const exclude = without?.exact ? new Gallop(without.list, this.rank) : null;
    const { texts } = this;
    for (let i = from; i < stream.to; i += 1) {
      const slot = list.at(i);
      if (passes !== null && !passes(slot)) continue;
      let inAll = true;
      for (const g of also) {
        if (!g.has(slot)) {
          inAll = false;
          break;
        }
      }
      if (!inAll) continue;
      if (exclude ? exclude.has(slot) : false) continue;
      const text = texts[slot] ?? '';
      if (!exact && !text.includes(needle.text)) continue;
      if (without && !without.exact && text.includes(without.text)) continue;
      if (!take(slot)) return;
    }
  }

  /** The first `limit` rows and the total, counted up to SEARCH_TOTAL_CAP + 1. */
  firstPage(q: IndexQuery, limit: number): { rows: Row[]; total: number } {
    const { exact, exactKey, sections } = this.plan(q);
    const rows: Row[] = [];
    let total = 0;
    if (exact) {
      this.walk(exact, 0, (slot) => {
        rows.push(this.rowOf(slot, 0));
        return false;
      });
    }
    for (const section of sections) {
      if (total > SEARCH_TOTAL_CAP && rows.length >= limit) break;
      const { needle } = section;
      if (section.passes === null && section.without === null && needle.exact) {
        // The list is the section: its length is the count, no need to walk it.
        total += section.to - section.from;
        this.listRows(section, section.from, exactKey, limit, rows);
        continue;
      }
      this.walk(section, section.from, (slot) => {
        total += 1;
        if (rows.length < limit && !this.isKey(slot, exactKey)) {
          rows.push(this.rowOf(slot, section.tier));
        }
        return total <= SEARCH_TOTAL_CAP || rows.length < limit;
      });
    }
    return { rows, total: Math.min(total, SEARCH_TOTAL_CAP + 1) };
  }

  /**
   * Usernames near the query's for a search that found nothing, under the query's filters and
   * scope: never an account the caller could not find by its name (enumeration).
   */
  suggest(q: IndexQuery): string[] {
    const key = q.term.exact;
    const max = suggestionDistance(key);
    if (max === 0) return [];
    const passes = this.filterOf(q);
    const { flags, keyLength, keyMask } = this;
    const mask = charMask(key);
    const found: Suggestion[] = [];
    for (let slot = 0; slot < this.slots; slot += 1) {
      if (Math.abs((keyLength[slot] ?? 0) - key.length) > max) continue;
      if (!masksWithin(mask, (keyMask[slot] ?? 0) >>> 0, max)) continue;
      if (((flags[slot] ?? 0) & LIVE) === 0) continue;
      if (passes !== null && !passes(slot)) continue;
      const candidate = this.records.field(slot, KEY);
      const edits = editsWithin(key, candidate, max);
      if (edits < 0) continue;
      found.push({ edits, key: candidate, username: this.records.field(slot, USERNAME) });
    }
    return bestSuggestions(found);
  }

  /** Adds the section's rows from `from` on (not the exact one) until there are `limit`. */
  private listRows(
    section: Stream,
    from: number,
    exactKey: Uint8Array | null,
    limit: number,
    rows: Row[],
  ): void {
    if (rows.length >= limit) return;
    this.walk(section, from, (slot) => {
      if (!this.isKey(slot, exactKey)) rows.push(this.rowOf(slot, section.tier));
      return rows.length < limit;
    });
  }

  private isKey(slot: number, key: Uint8Array | null): boolean {
    return key !== null && this.records.compareKey(slot, key) === 0;
  }

  /** `limit` rows after the row (tier, key) a page ended with. */
  after(q: IndexQuery, last: { tier: Tier; key: string }, limit: number): Row[] {
    const { exactKey, sections } = this.plan(q);
    const lastKey = utf8(last.key);
    const rows: Row[] = [];
    for (const section of sections) {
      if (section.tier < last.tier) continue;
      const from =
        section.tier === last.tier
          ? Math.max(section.from, section.needle.list.bound(this.keyOrder(lastKey), true))
          : section.from;
      this.listRows(section, from, exactKey, limit, rows);
      if (rows.length >= limit) break;
    }
    return rows;
  }
}
