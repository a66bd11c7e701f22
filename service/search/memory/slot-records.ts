/*
 * The strings of every slot (username_key, id, username, email, name, phone) as UTF-8 in one
 * buffer outside the JavaScript heap, with their offsets in a typed array.
 *
 * Why not arrays of strings: at 1,000,000 accounts those were 6 million heap objects (the
 * heap held 650 MB; 165 MB without them), each visited by every full garbage collection.
 * The searchable documents stay strings (memory-index.ts): every search scans thousands of
 * them, and V8's native includes() is about 3 times faster than a loop over bytes.
 *
 * UTF-8 also gives the stores' key order for free: byte order of UTF-8 is code point order
 * (SQLite BINARY, PostgreSQL "C").
 */

export const KEY = 0;
export const ID = 1;
export const USERNAME = 2;
export const EMAIL = 3;
export const NAME = 4;
export const PHONE = 5;
const FIELDS = 6;
/** Offsets per slot: where each field starts, and where the last ends. */
const STRIDE = FIELDS + 1;

/** A string as the bytes the records compare it with. */
export function utf8(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

export class SlotRecords {
  private bytes = Buffer.allocUnsafeSlow(1 << 20);
  private used = 0;
  /** Bytes held by records since replaced: compacted away once they are half the buffer. */
  private dead = 0;
  private offsets = new Int32Array(STRIDE * 1024);

  /** Stores a slot's fields (in the order of the constants above), replacing any before. */
  set(slot: number, fields: readonly string[]): void {
    if ((slot + 1) * STRIDE > this.offsets.length) {
      const next = new Int32Array(Math.max((slot + 1) * STRIDE, this.offsets.length * 2));
      next.set(this.offsets);
      this.offsets = next;
    }
    let need = 0;
    for (const field of fields) need += field.length * 3;
    this.reserve(need);
    const at = slot * STRIDE;
    this.dead += (this.offsets[at + FIELDS] ?? 0) - (this.offsets[at] ?? 0);
    for (let f = 0; f < FIELDS; f += 1) {
      this.offsets[at + f] = this.used;
      this.used += this.bytes.write(fields[f] ?? '', this.used, 'utf8');
    }
    this.offsets[at + FIELDS] = this.used;
  }

  /** Forgets a slot's fields (it reads as empty). */
  clear(slot: number): void {
    const at = slot * STRIDE;
    this.dead += (this.offsets[at + FIELDS] ?? 0) - (this.offsets[at] ?? 0);
    this.offsets.fill(0, at, at + STRIDE);
  }

  field(slot: number, f: number): string {
    const at = slot * STRIDE + f;
    return this.bytes.toString('utf8', this.offsets[at] ?? 0, this.offsets[at + 1] ?? 0);
  }

  /** Every field of the slot; one decode, not six, when the record is ASCII (most are). */
  fields(slot: number): string[] {
    const at = slot * STRIDE;
    const from = this.offsets[at] ?? 0;
    const to = this.offsets[at + FIELDS] ?? 0;
    const all = this.bytes.toString('utf8', from, to);
    const fields = new Array<string>(FIELDS);
    const ascii = all.length === to - from;
    for (let f = 0; f < FIELDS; f += 1) {
      fields[f] = ascii
        ? all.slice((this.offsets[at + f] ?? 0) - from, (this.offsets[at + f + 1] ?? 0) - from)
        : this.field(slot, f);
    }
    return fields;
  }

  /** The slot's key against `key` in code point order: negative, 0 or positive. */
  compareKey(slot: number, key: Uint8Array): number {
    const { bytes } = this;
    const at = slot * STRIDE;
    const from = this.offsets[at] ?? 0;
    const length = (this.offsets[at + 1] ?? 0) - from;
    const n = Math.min(length, key.length);
    for (let i = 0; i < n; i += 1) {
      const d = (bytes[from + i] ?? 0) - (key[i] ?? 0);
      if (d !== 0) return d;
    }
    return length - key.length;
  }

  /** Whether the slot's key starts with `prefix`. */
  keyStartsWith(slot: number, prefix: Uint8Array): boolean {
    const at = slot * STRIDE;
    const from = this.offsets[at] ?? 0;
    if ((this.offsets[at + 1] ?? 0) - from < prefix.length) return false;
    for (let i = 0; i < prefix.length; i += 1) {
      if (this.bytes[from + i] !== prefix[i]) return false;
    }
    return true;
  }

  /** Whether field `f` of the slot is exactly `value`. */
  fieldEquals(slot: number, f: number, value: Uint8Array): boolean {
    const at = slot * STRIDE + f;
    const from = this.offsets[at] ?? 0;
    if ((this.offsets[at + 1] ?? 0) - from !== value.length) return false;
    for (let i = 0; i < value.length; i += 1) {
      if (this.bytes[from + i] !== value[i]) return false;
    }
    return true;
  }

  /** A hash of field `f` of the slot, equal to hashOf() of the same string. */
  hashField(slot: number, f: number): number {
    const at = slot * STRIDE + f;
    return hashBytes(this.bytes, this.offsets[at] ?? 0, this.offsets[at + 1] ?? 0);
  }

  private reserve(need: number): void {
    if (this.used + need <= this.bytes.length) return;
    const live = this.used - this.dead;
    const size = Math.max(this.bytes.length, (live + need) * 2);
    const next = Buffer.allocUnsafeSlow(size);
    if (this.dead * 2 > this.used) {
      // Compact: copy the live records, slot by slot, into the new buffer.
      let used = 0;
      for (let at = 0; at < this.offsets.length; at += STRIDE) {
        const from = this.offsets[at] ?? 0;
        const to = this.offsets[at + FIELDS] ?? 0;
        if (to === from) continue;
        this.bytes.copy(next, used, from, to);
        for (let f = 0; f <= FIELDS; f += 1) {
          this.offsets[at + f] = (this.offsets[at + f] ?? 0) - from + used;
        }
        used += to - from;
      }
      this.used = used;
      this.dead = 0;
    } else {
      this.bytes.copy(next, 0, 0, this.used);
    }
    this.bytes = next;
  }
}

/** FNV-1a over bytes [from, to). */
function hashBytes(bytes: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i += 1) h = Math.imul(h ^ (bytes[i] ?? 0), 0x01000193);
  return h >>> 0;
}

/** The hash hashField() gives a field holding `text`. */
export function hashOf(text: Uint8Array): number {
  return hashBytes(text, 0, text.length);
}
