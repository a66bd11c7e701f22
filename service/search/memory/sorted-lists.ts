/*
 * Lists of account slots kept in username_key order, and the order itself.
 *
 * username_key order is the stores' (SQLite BINARY, PostgreSQL "C"): code point order. A
 * JavaScript string compares UTF-16 code units, which differs only where a surrogate (an
 * astral character) meets a code unit from U+E000 up; compareKeys handles that case.
 */

/** Code point order of two strings: negative, 0 or positive. */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        // Surrogates (D800–DFFF) stand for code points above FFFF: after E000–FFFF.
        x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
        y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}

/** A growable list of slots; `data` may be a view into a shared pool until first changed. */
export class SlotList {
  constructor(
    public data: Int32Array,
    public length: number,
    private owned = false,
  ) {}

  static empty(): SlotList {
    return new SlotList(new Int32Array(4), 0, true);
  }

  at(i: number): number {
    return this.data[i] ?? -1;
  }

  /**
   * The first position whose key is ≥ the target (strict: > the target); `compare` answers a
   * slot's key against the target (negative, 0 or positive).
   */
  bound(compare: (slot: number) => number, strict: boolean): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compare(this.at(mid));
      if (c < 0 || (strict && c === 0)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Inserts `slot`, whose key `compare` compares with (keys are unique). */
  insert(compare: (slot: number) => number, slot: number): void {
    const at = this.bound(compare, false);
    if (this.length === this.data.length || !this.owned) {
      const next = new Int32Array(Math.max(8, Math.ceil((this.length + 1) * 1.25)));
      next.set(this.data.subarray(0, this.length));
      this.data = next;
      this.owned = true;
    }
    this.data.copyWithin(at + 1, at, this.length);
    this.data[at] = slot;
    this.length += 1;
  }

  /** Removes `slot`, found by the key it was inserted under (`compare` compares with it). */
  remove(compare: (slot: number) => number, slot: number): void {
    let at = this.bound(compare, false);
    while (at < this.length && this.at(at) !== slot && compare(this.at(at)) === 0) at += 1;
    if (at >= this.length || this.at(at) !== slot) return;
    if (!this.owned) {
      this.data = this.data.slice(0, this.length);
      this.owned = true;
    }
    this.data.copyWithin(at, at + 1, this.length);
    this.length -= 1;
  }
}

/** Steps through a list in rank order, answering whether it holds a slot of a given rank. */
export class Gallop {
  private at = 0;

  constructor(
    private readonly list: SlotList,
    private readonly rank: Int32Array,
  ) {}

  has(slot: number): boolean {
    const { list, rank } = this;
    const r = rank[slot] ?? -1;
    const n = list.length;
    let lo = this.at;
    if (lo >= n) return false;
    if ((rank[list.at(lo)] ?? -1) >= r) return rank[list.at(lo)] === r;
    let step = 1;
    let hi = lo + 1;
    while (hi < n && (rank[list.at(hi)] ?? -1) < r) {
      lo = hi;
      step *= 2;
      hi = lo + step;
    }
    hi = Math.min(hi, n);
    while (lo + 1 < hi) {
      const mid = (lo + hi) >>> 1;
      if ((rank[list.at(mid)] ?? -1) < r) lo = mid;
      else hi = mid;
    }
    this.at = hi;
    return hi < n && rank[list.at(hi)] === r;
  }
}
