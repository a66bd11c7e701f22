import { describe, expect, it } from 'vitest';
import { SlotIds } from '../../service/search/memory/slot-ids.ts';
import {
  ID,
  KEY,
  NAME,
  SlotRecords,
  USERNAME,
  utf8,
} from '../../service/search/memory/slot-records.ts';
import { compareKeys } from '../../service/search/memory/sorted-lists.ts';

// The search index's off-heap strings (slot-records.ts) and its id table (slot-ids.ts): what
// they hold must read back exactly through growth, replacement, compaction and deletion.

function fields(slot: number, generation: number, pad = 0): string[] {
  return [
    `key${slot}`,
    `id-${slot}`,
    `user${slot} gen ${generation} ${'x'.repeat(pad)}`,
    `user${slot}@example.org`,
    `Zoë Þórsdóttir ${slot} 🦊`,
    `+44 20 ${slot}`,
  ];
}

describe('slot records', () => {
  it('reads back every field after growing, replacing and compacting', () => {
    const records = new SlotRecords();
    const n = 3000;
    for (let slot = 0; slot < n; slot += 1) records.set(slot, fields(slot, 0, 400));
    // Replacing every record several times makes most of the buffer dead: it is compacted.
    for (let generation = 1; generation <= 4; generation += 1) {
      for (let slot = 0; slot < n; slot += 1) records.set(slot, fields(slot, generation, 400));
    }
    for (let slot = 0; slot < n; slot += 1) {
      const expected = fields(slot, 4, 400);
      expect(records.field(slot, KEY)).toBe(expected[KEY]);
      expect(records.field(slot, USERNAME)).toBe(expected[USERNAME]);
      expect(records.field(slot, NAME)).toBe(expected[NAME]);
    }
    records.clear(7);
    expect(records.field(7, KEY)).toBe('');
    expect(records.fields(7)).toEqual(['', '', '', '', '', '']);
    expect(records.field(8, ID)).toBe('id-8');
  });

  it('reads a whole record at once, ASCII or not', () => {
    const records = new SlotRecords();
    const ascii = ['k', 'id-1', 'amelia.stone', 'amelia@example.org', 'Amelia Stone', '+44 1'];
    records.set(0, ascii);
    records.set(1, fields(1, 0));
    records.set(2, ['', 'id-2', '', '', '', '']);
    expect(records.fields(0)).toEqual(ascii);
    expect(records.fields(1)).toEqual(fields(1, 0));
    expect(records.fields(2)).toEqual(['', 'id-2', '', '', '', '']);
  });

  it('orders keys by code point, as the stores do', () => {
    const records = new SlotRecords();
    const keys = ['a', 'ab', 'b', 'z', '\u00e9', '\uffef', '\u{1f98a}', 'aa\u{10000}', 'aa\uffff'];
    keys.forEach((key, slot) => records.set(slot, [key, '', '', '', '', '']));
    const bySlots = keys
      .map((_, slot) => slot)
      .sort((a, b) => records.compareKey(a, utf8(keys[b] ?? '')));
    expect(bySlots.map((slot) => keys[slot])).toEqual([...keys].sort(compareKeys));
    expect(records.keyStartsWith(7, utf8('aa'))).toBe(true);
    expect(records.keyStartsWith(0, utf8('ab'))).toBe(false);
  });
});

describe('slot ids', () => {
  it('finds each slot by id through growth and deletions that shift neighbours back', () => {
    const records = new SlotRecords();
    const ids = new SlotIds(records);
    const n = 20_000;
    for (let slot = 0; slot < n; slot += 1) {
      records.set(slot, fields(slot, 0));
      ids.add(slot);
    }
    for (let slot = 0; slot < n; slot += 3) {
      ids.delete(`id-${slot}`);
      records.clear(slot);
    }
    expect(ids.size).toBe(n - Math.ceil(n / 3));
    for (let slot = 0; slot < n; slot += 1) {
      expect(ids.get(`id-${slot}`)).toBe(slot % 3 === 0 ? undefined : slot);
    }
    records.set(0, fields(0, 1));
    ids.add(0);
    expect(ids.get('id-0')).toBe(0);
    expect(ids.get('id-unknown')).toBeUndefined();
  });
});
