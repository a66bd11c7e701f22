import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import type { ImportCounts, ImportProblem, ImportRow } from '../common/api/imports.ts';

/** What an import answered, whole: main keeps it for the report. */
export interface ImportOutcome {
  dryRun: boolean;
  ok: boolean;
  counts: ImportCounts;
  problems: ImportProblem[];
  /** Every row the service listed (a preview lists the first ones; an import every one). */
  rows: ImportRow[];
  rowCount: number;
  message: string | null;
  summary: string | null;
}

/** One CSV cell: quoted when it holds a comma, quote or line break; a formula start defused. */
export function csvCell(value: string | number | null): string {
  let text = value === null ? '' : String(value);
  // A cell a spreadsheet would run as a formula (CSV injection) starts with a quote mark instead;
  // a phone number (+1 555 0100) holds no operator after its sign and is left as written.
  const phoneLike = /^[+-][\d\s().-]*$/.test(text);
  if (/^[=+\-@\t\r]/.test(text) && !phoneLike) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const HEADER = ['line', 'outcome', 'username', 'column', 'from', 'to', 'message'];

/** The report's records: every problem, then every row (an update: one record per changed field). */
export function* reportRecords(outcome: ImportOutcome): Generator<Array<string | null>> {
  yield HEADER;
  for (const p of outcome.problems)
    yield [String(p.line), 'problem', '', p.column, '', '', p.message];
  for (const row of outcome.rows) {
    const what = outcome.dryRun ? `would ${row.action}` : row.action;
    // A new account is one record (its fields are the file's row); a change, one per field.
    if (row.action !== 'update' || row.changes.length === 0) {
      yield [String(row.line), what, row.username, '', '', '', ''];
      continue;
    }
    for (const c of row.changes)
      yield [String(row.line), what, row.username, c.field, c.from, c.to, ''];
  }
}

/**
 * Writes the report as CSV: into a `.part` file beside the target (owner-only: it names people)
 * renamed into place when complete. Answers the number of records after the header.
 */
export async function writeReport(target: string, outcome: ImportOutcome): Promise<number> {
  const part = `${target}.part`;
  const out = createWriteStream(part, { mode: 0o600 });
  let lines = -1;
  try {
    for (const record of reportRecords(outcome)) {
      lines += 1;
      if (!out.write(`${record.map(csvCell).join(',')}\r\n`)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    await rename(part, target);
  } catch (error) {
    out.destroy();
    await rm(part, { force: true });
    throw error;
  }
  return lines;
}
