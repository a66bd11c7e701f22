/**
 * Numbers the 3- and 4-code-unit grams of the indexed texts, and their anchors (the start
 * mark and 3 to 6 more units, at the start of a field or word: the lists of prefix matches).
 * Each code unit gets a small number in the order first seen; grams of three numbers below
 * 128 (nearly all: the texts use a few dozen characters) are found in a table, 4-grams of
 * such numbers in a map keyed by the four packed into one integer, the rest by their text.
 *
 * Grams are UTF-16 code units, not characters: a text that holds a pattern holds every
 * 3-unit run of it, which is all a candidate list needs.
 */
export class GramIds {
  private readonly letters = new Uint16Array(65536);
  private letterCount = 0;
  private readonly table = new Int32Array(1 << 21).fill(-1);
  private readonly others = new Map<string, number>();
  private readonly quads = new Map<number, number>();
  private readonly anchors = new Map<string, number>();
  /** Grams numbered so far: ids are 0 … size - 1. */
  size = 0;

  private letter(text: string, i: number, add: boolean): number {
    const unit = text.charCodeAt(i);
    let n = this.letters[unit] ?? 0;
    if (n === 0 && add && this.letterCount < 65535) {
      this.letterCount += 1;
      n = this.letterCount;
      this.letters[unit] = n;
    }
    return n;
  }

  /** The id of the gram at `text[i..i+3)`: -1 when never numbered (and `add` is false). */
  id(text: string, i: number, add: boolean): number {
    const a = this.letter(text, i, add);
    const b = this.letter(text, i + 1, add);
    const c = this.letter(text, i + 2, add);
    if (a === 0 || b === 0 || c === 0) return -1;
    if (a < 128 && b < 128 && c < 128) {
      const cell = (a << 14) | (b << 7) | c;
      let id = this.table[cell] ?? -1;
      if (id < 0 && add) {
        id = this.size;
        this.size += 1;
        this.table[cell] = id;
      }
      return id;
    }
    return this.numbered(this.others, text.slice(i, i + 3), add);
  }

  /** The id of the 4-gram at `text[i..i+4)`: -1 when never numbered (and `add` is false). */
  quadId(text: string, i: number, add: boolean): number {
    const a = this.letter(text, i, add);
    const b = this.letter(text, i + 1, add);
    const c = this.letter(text, i + 2, add);
    const d = this.letter(text, i + 3, add);
    if (a === 0 || b === 0 || c === 0 || d === 0) return -1;
    if (a < 128 && b < 128 && c < 128 && d < 128) {
      return this.numbered(this.quads, (a << 21) | (b << 14) | (c << 7) | d, add);
    }
    return this.numbered(this.others, text.slice(i, i + 4), add);
  }

  /** The id of the anchor `text[i..i+length)`: -1 when never numbered (and `add` is false). */
  anchorId(text: string, i: number, length: number, add: boolean): number {
    return this.anchorOf(text.slice(i, i + length), add);
  }

  /** The id of an anchor given as its text. */
  anchorOf(anchor: string, add: boolean): number {
    return this.numbered(this.anchors, anchor, add);
  }

  private numbered<K>(ids: Map<K, number>, gram: K, add: boolean): number {
    let id = ids.get(gram);
    if (id === undefined) {
      if (!add) return -1;
      id = this.size;
      this.size += 1;
      ids.set(gram, id);
    }
    return id;
  }
}
