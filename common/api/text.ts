import type { z } from 'zod';

/**
 * Control characters no text Latchkey takes may hold: NUL (PostgreSQL's `text` refuses it, so a
 * lookup with one failed with a 500) and the other C0 controls and DEL, which no name, address,
 * id or reason contains. Tab and line breaks stay allowed (a reason may span lines); the logs
 * escape them (R77).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const CONTROL_CHARACTER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** A string without a control character (for `z.string().regex`). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const WITHOUT_CONTROL_CHARACTERS = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/;

/**
 * R77: a line break or other control character (C0, DEL, C1, and the Unicode line and
 * paragraph separators) would split or forge a line wherever a name, phone or address is logged
 * or mailed: such fields are one line of text.
 */
const LINE_BREAK_OR_CONTROL = /[\p{Cc}\u2028\u2029]/u;
const LINE_BREAKS_OR_CONTROLS = new RegExp(LINE_BREAK_OR_CONTROL.source, 'gu');

const hex = (char: string): string => (char.codePointAt(0) ?? 0).toString(16).padStart(4, '0');

/** A value quoted in a message, its control characters shown as `\u000a` so the report stays one line. */
export function quoted(text: string): string {
  return `"${text.replace(LINE_BREAKS_OR_CONTROLS, (c) => `\\u${hex(c)}`)}"`;
}

/** `schema`, and one line of text: refused naming the character and where it is (R77). */
export const oneLine = <T extends z.ZodType<string, string>>(schema: T) =>
  schema.superRefine((text, ctx) => {
    const found = LINE_BREAK_OR_CONTROL.exec(text);
    if (!found) return;
    ctx.addIssue({
      code: 'custom',
      message: `Write this on one line: it holds a line break or another control character (U+${hex(found[0]).toUpperCase()}, character ${[...text.slice(0, found.index)].length + 1}).`,
    });
  });

export const CONTROL_CHARACTER_MESSAGE =
  'Remove the control characters (such as NUL) from this field.';

/**
 * The path of the first string or key in a parsed request (JSON, query or path parameters) that
 * holds a control character; undefined when there is none.
 */
export function controlCharacterPath(
  value: unknown,
  path: Array<string | number> = [],
): Array<string | number> | undefined {
  if (typeof value === 'string') return CONTROL_CHARACTER.test(value) ? path : undefined;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = controlCharacterPath(item, [...path, i]);
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = CONTROL_CHARACTER.test(key)
        ? [...path, key]
        : controlCharacterPath(item, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}

/** Names as a sentence says them: "A", "A and B", "A, B and C" (the pages' footer, the Products screen). */
export function namesInWords(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
