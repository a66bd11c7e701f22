import type { FieldChange } from '../../common/api/actions.ts';
import { usernameKey } from '../domain/accounts.ts';
import { parseCsv } from './csv-parser.ts';
import { rowChanges, updateProblems, type ExistingAccount } from './existing-accounts.ts';
import type { FileCheck, RowPlan } from './file-check.ts';
import { PROGRESS_EVERY, type ImportOptions } from './import-options.ts';
import { parseImportRow, type ImportRow as ParsedImportRow } from './import-rows.ts';
import type { StoreFacts } from './store-facts.ts';

/**
 * The second pass: what each row does to the store (create, update with its changes, or
 * nothing), and the refusals only the store can tell (the power rule, a shared login's kind).
 */
export function planRows(
  text: string,
  facts: StoreFacts,
  existing: Map<string, ExistingAccount>,
  check: FileCheck,
  options: ImportOptions,
): void {
  if (check.errors.some((e) => e.field === 'header')) return;
  const failed = new Set(check.errors.map((e) => e.line));
  let header = true;
  let rows = 0;
  for (const item of parseCsv(text)) {
    if (header) {
      header = false;
      continue;
    }
    rows++;
    if (rows % PROGRESS_EVERY === 0)
      options.onProgress?.({ phase: 'checking', rows: check.rows + rows });
    const username = item.kind === 'record' ? (item.fields[0] ?? '').trim() : '';
    const parsed =
      item.kind === 'record' && !failed.has(item.line) ? parseImportRow(item.fields) : null;
    if (!parsed?.ok) {
      check.report.push({ line: item.line, action: 'error', username, changes: [] });
      continue;
    }
    const plan = planRow(
      parsed.row,
      facts,
      existing.get(usernameKey(parsed.row.fields.username)),
      options,
    );
    if ('problems' in plan) {
      for (const p of plan.problems) check.errors.push({ line: item.line, ...p });
      check.report.push({ line: item.line, action: 'error', username, changes: [] });
      continue;
    }
    check.plans.set(item.line, plan);
    check.report.push({
      line: item.line,
      action: plan.action,
      username: parsed.row.fields.username,
      changes: plan.changes,
      ...(plan.existing ? { accountId: plan.existing.account.id } : {}),
    });
  }
}

function planRow(
  row: ParsedImportRow,
  facts: StoreFacts,
  existing: ExistingAccount | undefined,
  options: ImportOptions,
): RowPlan | { problems: Array<{ field: string; message: string }> } {
  const { fields, organization } = row;
  if (!existing) {
    const changes: FieldChange[] = [
      { field: 'username', from: null, to: fields.username },
      { field: 'email', from: null, to: fields.email },
      { field: 'name', from: null, to: fields.name },
      { field: 'phone', from: null, to: fields.phone },
      { field: 'organization', from: null, to: organization },
      { field: 'products', from: null, to: [...fields.products].sort().join(', ') },
    ];
    return { action: 'create', existing, changes };
  }
  const targetId = facts.organizations.get(organization)?.id ?? undefined;
  const problems = updateProblems(existing, fields, options.admin, targetId);
  if (problems.length > 0) return { problems };
  const changes = rowChanges(existing, fields, organization);
  return { action: changes.length === 0 ? 'unchanged' : 'update', existing, changes };
}
