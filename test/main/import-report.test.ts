import { mkdtempSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { csvCell, writeReport, type ImportOutcome } from '../../main/import-report.ts';
import { parseCsv } from '../support/csv.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'latchkey-import-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const outcome: ImportOutcome = {
  dryRun: true,
  ok: false,
  counts: { create: 1, update: 1, unchanged: 0, error: 1 },
  problems: [{ line: 4, column: 'email', message: 'Enter an email address, e.g. "a@b.org".' }],
  rows: [
    { line: 2, action: 'create', username: 'ana', changes: [] },
    {
      line: 3,
      action: 'update',
      username: 'bo',
      changes: [
        { field: 'phone', from: null, to: '+1 555 0100' },
        { field: 'name', from: 'Bo, Senior', to: '=HYPERLINK("http://x")' },
      ],
    },
  ],
  rowCount: 2,
  message: null,
  summary: null,
};

describe('import report', () => {
  it('writes every problem and every changed field as CSV a spreadsheet reads back', async () => {
    const target = path.join(dir, 'report.csv');
    const lines = await writeReport(target, outcome);
    expect(lines).toBe(4);
    expect(parseCsv(readFileSync(target, 'utf8'))).toEqual([
      ['line', 'outcome', 'username', 'column', 'from', 'to', 'message'],
      ['4', 'problem', '', 'email', '', '', 'Enter an email address, e.g. "a@b.org".'],
      ['2', 'would create', 'ana', '', '', '', ''],
      ['3', 'would update', 'bo', 'phone', '', '+1 555 0100', ''],
      // A cell a spreadsheet would run as a formula starts with a quote mark instead.
      ['3', 'would update', 'bo', 'name', 'Bo, Senior', `'=HYPERLINK("http://x")`, ''],
    ]);
    expect(statSync(target).mode & 0o777).toBe(0o600);
    expect(existsSync(`${target}.part`)).toBe(false);
  });

  it('defuses formula starts and quotes what needs quoting', () => {
    expect(csvCell('@SUM(A1)')).toBe(`'@SUM(A1)`);
    expect(csvCell('-2+3')).toBe(`'-2+3`);
    expect(csvCell('+1 (555) 010-0100')).toBe('+1 (555) 010-0100');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell(null)).toBe('');
    expect(csvCell(12)).toBe('12');
  });

  it('leaves nothing behind when the folder cannot be written', async () => {
    await expect(writeReport(path.join(dir, 'missing', 'report.csv'), outcome)).rejects.toThrow();
    expect(existsSync(path.join(dir, 'missing'))).toBe(false);
  });
});
