/** A record of a CSV file, or why one could not be read; `line` is where it starts (header = 1). */
export type CsvItem =
  | { kind: 'record'; line: number; fields: string[] }
  | { kind: 'error'; line: number; message: string };

const QUOTE = 0x22;
const COMMA = 0x2c;
const CR = 0x0d;
const LF = 0x0a;

interface Cursor {
  text: string;
  pos: number;
  line: number;
}

class CsvSyntaxError extends Error {}

/**
 * Reads CSV as RFC 4180 writes it: commas between fields, CRLF between records (LF or a
 * lone CR accepted too), fields in double quotes may hold commas, line breaks and doubled
 * quotes. A leading byte-order mark (Excel) is ignored and blank lines are skipped. A bad
 * record is reported and reading goes on at the next line, so every bad line can be named.
 */
export function* parseCsv(text: string): Generator<CsvItem> {
  const cursor: Cursor = { text, pos: text.charCodeAt(0) === 0xfeff ? 1 : 0, line: 1 };
  while (cursor.pos < text.length) {
    if (skipLineBreak(cursor)) continue; // a blank line
    const line = cursor.line;
    try {
      yield { kind: 'record', line, fields: readRecord(cursor) };
    } catch (error) {
      if (!(error instanceof CsvSyntaxError)) throw error;
      yield { kind: 'error', line, message: error.message };
      skipRestOfLine(cursor);
    }
  }
}

function readRecord(cursor: Cursor): string[] {
  const fields: string[] = [];
  for (;;) {
    fields.push(
      cursor.text.charCodeAt(cursor.pos) === QUOTE ? readQuoted(cursor) : readPlain(cursor),
    );
    if (cursor.pos >= cursor.text.length || skipLineBreak(cursor)) return fields;
    cursor.pos++; // the comma
  }
}

/** An unquoted field runs to the next comma or line break; a quote inside it is an error. */
function readPlain(cursor: Cursor): string {
  const { text } = cursor;
  const start = cursor.pos;
  let pos = start;
  for (; pos < text.length; pos++) {
    const c = text.charCodeAt(pos);
    if (c === COMMA || c === CR || c === LF) break;
    if (c === QUOTE) {
      throw new CsvSyntaxError(
        'A field holds a double quote but does not start with one: put the whole field in double quotes and double the quote inside ("").',
      );
    }
  }
  cursor.pos = pos;
  return text.slice(start, pos);
}

function readQuoted(cursor: Cursor): string {
  const { text } = cursor;
  let value = '';
  let pos = cursor.pos + 1;
  for (;;) {
    const close = text.indexOf('"', pos);
    if (close === -1) {
      cursor.pos = text.length;
      throw new CsvSyntaxError('A quoted field is never closed: a double quote is missing.');
    }
    const part = text.slice(pos, close);
    cursor.line += countLineBreaks(part);
    value += part;
    if (text.charCodeAt(close + 1) !== QUOTE) {
      cursor.pos = close + 1;
      break;
    }
    value += '"';
    pos = close + 2;
  }
  const next = text.charCodeAt(cursor.pos);
  if (cursor.pos < text.length && next !== COMMA && next !== CR && next !== LF) {
    throw new CsvSyntaxError(
      'Text follows a closing double quote: a quoted field must end at a comma or the end of the line.',
    );
  }
  return value;
}

/** Consumes one CRLF, LF or CR at the cursor; answers whether there was one. */
function skipLineBreak(cursor: Cursor): boolean {
  const c = cursor.text.charCodeAt(cursor.pos);
  if (c !== CR && c !== LF) return false;
  cursor.pos += c === CR && cursor.text.charCodeAt(cursor.pos + 1) === LF ? 2 : 1;
  cursor.line++;
  return true;
}

function skipRestOfLine(cursor: Cursor): void {
  while (cursor.pos < cursor.text.length && !skipLineBreak(cursor)) cursor.pos++;
}

/** Line breaks inside a quoted field still move the file's line number on. */
function countLineBreaks(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === LF || (c === CR && text.charCodeAt(i + 1) !== LF)) count++;
  }
  return count;
}
