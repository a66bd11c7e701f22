import { hashOf, ID, type SlotRecords, utf8 } from './slot-records.ts';

/**
 * Account id → slot, as an open-addressing table of slot numbers whose ids are read from the
 * records: a Map would hold a million id strings on the heap (see slot-records.ts).
 */
export class SlotIds {
  /** slot + 1 per cell; 0 is empty. Linear probing, deletion by backward shift. */
  private table = new Int32Array(1 << 12);
  private count = 0;

  constructor(private readonly records: SlotRecords) {}

  get size(): number {
    return this.count;
  }

  get(id: string): number | undefined {
    const bytes = utf8(id);
    const at = this.find(bytes, hashOf(bytes));
    const v = this.table[at] ?? 0;
    return v === 0 ? undefined : v - 1;
  }

  /** Adds `slot`, whose record already holds its id (not yet in the table). */
  add(slot: number): void {
    if ((this.count + 1) * 2 > this.table.length) this.grow();
    this.put(slot);
    this.count += 1;
  }

  /** Removes the slot of `id`, before its record is cleared. */
  delete(id: string): void {
    const bytes = utf8(id);
    const { table } = this;
    const mask = table.length - 1;
    let i = this.find(bytes, hashOf(bytes));
    if (table[i] === 0) return;
    table[i] = 0;
    this.count -= 1;
    for (let j = (i + 1) & mask; table[j] !== 0; j = (j + 1) & mask) {
      const home = this.records.hashField((table[j] ?? 1) - 1, ID) & mask;
      // The entry at j may move back to i unless its home lies cyclically in (i, j].
      const stays = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!stays) {
        table[i] = table[j] ?? 0;
        table[j] = 0;
        i = j;
      }
    }
  }

  /** The cell holding `id`, or the empty cell where it would go. */
  private find(bytes: Uint8Array, hash: number): number {
    const { table } = this;
    const mask = table.length - 1;
    let i = hash & mask;
    for (;;) {
      const v = table[i] ?? 0;
      if (v === 0 || this.records.fieldEquals(v - 1, ID, bytes)) return i;
      i = (i + 1) & mask;
    }
  }

  private put(slot: number): void {
    const { table } = this;
    const mask = table.length - 1;
    let i = this.records.hashField(slot, ID) & mask;
    while (table[i] !== 0) i = (i + 1) & mask;
    table[i] = slot + 1;
  }

  private grow(): void {
    const old = this.table;
    this.table = new Int32Array(old.length * 2);
    for (const v of old) if (v !== 0) this.put(v - 1);
  }
}
