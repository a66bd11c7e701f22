import type { ServiceContext } from '../context.ts';
import { applyIdentityChanges } from '../domain/account-changes/identity.ts';
import { applyOrganizationMove } from '../domain/account-changes/organization.ts';
import { applyProductChange } from '../domain/account-changes/products.ts';
import { organizationOf } from '../domain/accounts.ts';
import type { ProductRef } from '../domain/account-checks.ts';
import {
  auditCreations,
  buildAccountRecords,
  chunks,
  hashSecrets,
  insertAccountRows,
  type AccountSecrets,
  type CreationAudit,
  type PreparedAccount,
} from '../domain/account-rows.ts';
import { bumpVersion } from '../domain/admin/account-view.ts';
import { recordAudit } from '../domain/audit.ts';
import { DomainError } from '../domain/domain-error.ts';
import type { Db } from '../store/schema.ts';
import { parseCsv } from './csv-parser.ts';
import type { FileCheck, RowPlan } from './file-check.ts';
import type { ImportOptions } from './import-options.ts';
import { parseImportRow } from './import-rows.ts';
import type { StoreFacts } from './store-facts.ts';

const WRITE_BATCH = 500;
/**
 * New accounts are inserted in username order, this many at a time. Most of an import's write
 * time is the search_grams trigger adding each account's grams to an index keyed (gram,
 * username_key): in username order consecutive accounts' grams land on the same pages rather
 * than all over the index (on SQLite the write pass took 99 s instead of 146 s for 100,000 new
 * accounts, 8.6–9.6 s instead of 10.7–10.9 s for 20,000). Bounded so that a large
 * file is not held as rows.
 */
const SORT_WINDOW = 10_000;

/** What the write pass reads besides the file. */
export interface WriteSources {
  facts: StoreFacts;
  orgIds: Map<string, string>;
  hashed: Map<number, AccountSecrets>;
  actor: string;
  check: FileCheck;
  options: ImportOptions;
}

/** What the write pass did: rows written, the new accounts' ids by line, whether mail was queued. */
export interface Written {
  count: number;
  ids: Map<number, string>;
  mail: boolean;
}

/**
 * The third pass, inside the transaction: new accounts in batches, updates one by one (each
 * under the version the plan read: an account changed meanwhile stops the whole import).
 */
export async function writeRows(
  trx: Db,
  ctx: ServiceContext,
  text: string,
  sources: WriteSources,
): Promise<Written> {
  const now = ctx.clock.now();
  const audit = { type: 'account_imported', actor: sources.actor } as const;
  const why = sources.options.reason
    ? { reason: sources.options.reason, ticket: sources.options.ticket ?? null }
    : {};
  const written: Written = { count: 0, ids: new Map(), mail: false };
  let pending: PreparedAccount[] = [];
  let header = true;
  const flush = async () => {
    await writeCreations(trx, ctx, pending, audit, (rows) => {
      written.count += rows;
      sources.options.onProgress?.({ phase: 'writing', rows: written.count });
    });
    pending = [];
  };
  for (const item of parseCsv(text)) {
    if (header || item.kind === 'error') {
      header = false;
      continue;
    }
    const plan = sources.check.plans.get(item.line);
    if (!plan || plan.action === 'unchanged') continue;
    const parsed = parseImportRow(item.fields);
    if (!parsed.ok) throw new Error(`Line ${item.line} changed between checking and writing.`);
    const { organization, fields } = parsed.row;
    const organizationId = sources.orgIds.get(organization) ?? '';
    if (plan.action === 'update' && plan.existing) {
      const mail = await updateAccount(
        trx,
        ctx,
        plan,
        organizationId,
        { line: item.line, ...why },
        sources.actor,
        sources.facts.products,
      );
      written.mail ||= mail;
      written.count++;
      continue;
    }
    // Rows without plain secrets carry PHC strings or nothing: no hashing happens here.
    const secrets = sources.hashed.get(item.line) ?? (await hashSecrets(ctx.hasher, fields));
    const detail = { source: 'csv', line: item.line, ...why };
    const prepared = buildAccountRecords(fields, {
      organizationId,
      products: sources.facts.products,
      secrets,
      now,
      detail,
    });
    written.ids.set(item.line, String(prepared.row.id));
    pending.push(prepared);
    if (pending.length >= SORT_WINDOW) await flush();
  }
  await flush();
  return written;
}

/** New accounts in username order, then their audit events in the file's order. */
async function writeCreations(
  trx: Db,
  ctx: ServiceContext,
  accounts: PreparedAccount[],
  audit: CreationAudit,
  onWritten: (rows: number) => void,
): Promise<void> {
  const byKey = [...accounts].sort((a, b) => compareKeys(a.row.username_key, b.row.username_key));
  for (const batch of chunks(byKey, WRITE_BATCH)) {
    await insertAccountRows(trx, batch);
    onWritten(batch.length);
  }
  await auditCreations(trx, ctx.clock, accounts, audit);
}

const compareKeys = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** One row's update: its changes, their mail, one audit event with before and after. */
async function updateAccount(
  trx: Db,
  ctx: ServiceContext,
  plan: RowPlan,
  organizationId: string,
  detail: Record<string, unknown>,
  actor: string,
  known: ReadonlyMap<string, ProductRef>,
): Promise<boolean> {
  const account = plan.existing?.account;
  if (!account) return false;
  if (!(await bumpVersion(trx, account)))
    throw new DomainError(
      'conflict',
      `Line ${String(detail.line)}: ${account.username} changed while the file was checked. Preview the import again.`,
    );
  const from = await organizationOf(trx, account);
  const mailIds: string[] = [];
  const identity = plan.changes.filter((c) =>
    ['username', 'email', 'name', 'phone'].includes(c.field),
  );
  mailIds.push(...(await applyIdentityChanges(trx, ctx, account, from, identity)));
  const products = plan.changes.find((c) => c.field === 'products');
  if (products)
    mailIds.push(...(await applyProductChange(trx, ctx, account, from, products, known)));
  if (plan.changes.some((c) => c.field === 'organization')) {
    const to = await organizationOf(trx, { organization_id: organizationId });
    mailIds.push(...(await applyOrganizationMove(trx, ctx, account, from, to)));
  }
  await recordAudit(trx, ctx.clock, {
    type: 'account_imported',
    accountId: account.id,
    organizationId,
    actor,
    detail: { source: 'csv', update: true, ...detail, changes: plan.changes },
  });
  return mailIds.length > 0;
}
