import { describe, expect, it } from 'vitest';
import {
  charMask,
  editsWithin,
  masksWithin,
  suggestionDistance,
} from '../../service/search/memory/suggestions.ts';

describe('search suggestions: edit distance', () => {
  it('counts insertions, deletions, substitutions and swaps of neighbours, up to the limit', () => {
    expect(editsWithin('alise', 'alice', 1)).toBe(1);
    expect(editsWithin('ailce', 'alice', 1)).toBe(1); // a swap is one edit
    expect(editsWithin('alic', 'alice', 1)).toBe(1);
    expect(editsWithin('alice', 'alice', 1)).toBe(0);
    expect(editsWithin('alxse', 'alice', 1)).toBe(-1);
    expect(editsWithin('batrholomw', 'bartholomew', 2)).toBe(2);
    expect(editsWithin('bob', 'bartholomew', 2)).toBe(-1);
  });

  it('allows no edit under 4 characters, one up to 6, two beyond', () => {
    expect([3, 4, 6, 7, 12].map((n) => suggestionDistance('x'.repeat(n)))).toEqual([0, 1, 1, 2, 2]);
  });

  it('the character-set check never turns away a key within the distance', () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    const word = () =>
      Array.from({ length: 3 + (next() % 6) }, () => 'abcde1.é'[next() % 8]).join('');
    for (let i = 0; i < 5000; i += 1) {
      const [a, b] = [word(), word()];
      for (const max of [1, 2]) {
        if (editsWithin(a, b, max) >= 0) {
          expect(masksWithin(charMask(a), charMask(b), max), `${a} ${b}`).toBe(true);
        }
      }
    }
  });
});
