import { IMPORT_PREVIEW_ROWS } from '../../common/api/imports.ts';
import type { ImportResult } from './import-csv.ts';

/**
 * The preview as the CLI prints it (`import --dry-run`, and before an import's outcome): what
 * the rows do, then each row that creates or changes an account with the fields that differ,
 * the first IMPORT_PREVIEW_ROWS of them, as the console's preview lists them.
 */
export function importPreviewLines(result: ImportResult): string[] {
  const { create, update, unchanged, error } = result.counts;
  const lines = [
    `${result.rows.length} rows: ${create} to create, ${update} to update, ${unchanged} unchanged, ${error} with problems.`,
  ];
  const shown = result.rows.filter((r) => r.action === 'update' || r.action === 'create');
  for (const row of shown.slice(0, IMPORT_PREVIEW_ROWS)) {
    const what =
      row.action === 'create'
        ? 'create'
        : `update: ${row.changes.map((c) => `${c.field} ${c.from ?? '(none)'} → ${c.to ?? '(none)'}`).join('; ')}`;
    lines.push(`  line ${row.line}, ${row.username}: ${what}`);
  }
  if (shown.length > IMPORT_PREVIEW_ROWS)
    lines.push(
      `  … and ${shown.length - IMPORT_PREVIEW_ROWS} more rows that create or change an account.`,
    );
  return lines;
}
