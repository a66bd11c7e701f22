import type { ImportCounts, ImportRow } from '../../common/api/imports.ts';
import type { ServiceContext } from '../context.ts';
import { loadProducts } from '../domain/account-records.ts';
import { loadExisting } from './existing-accounts.ts';
import { checkFile } from './file-check.ts';
import type { ImportOptions } from './import-options.ts';
import { createProducts, ensureOrganizations } from './import-references.ts';
import type { ImportError } from './import-rows.ts';
import { hashNotices, hashPlainSecrets, type ImportNotice } from './import-secrets.ts';
import { planRows } from './row-plans.ts';
import { loadStoreFacts } from './store-facts.ts';
import { writeRows } from './write-rows.ts';

/** What each row does, counted; `rows` lists them all, in the file's order. */
interface ImportFigures {
  counts: ImportCounts;
  rows: ImportRow[];
}

export type ImportResult =
  | ({
      ok: true;
      /** True when nothing was written: the figures are what the import would do. */
      dryRun: boolean;
      /** Rows written: accounts created plus accounts updated. */
      imported: number;
      /** Organizations the file names. */
      organizations: number;
      /** Of those, how many the import created. */
      organizationsCreated: number;
      notices: ImportNotice[];
    } & ImportFigures)
  | ({ ok: false; errors: ImportError[] } & ImportFigures);

const tally = (rows: readonly ImportRow[]): ImportCounts => {
  const counts = { create: 0, update: 0, unchanged: 0, error: 0 };
  for (const row of rows) counts[row.action]++;
  return counts;
};

/**
 * Imports accounts from CSV (SPEC §5), for the CLI and the admin API alike. Every row is
 * checked first and every problem reported; only a file without problems is written, all of it
 * in one transaction. A row whose username an account already has updates that account
 * (update-or-create: a nightly HR export can be applied again and again): its email, name,
 * phone, organization and products as the file says; passwords and answers of existing
 * accounts are never replaced by a file. A row that changes nothing writes nothing, not even an
 * audit event. The text is read three times (check, plan, write) rather than held as rows.
 */
export async function importCsv(
  ctx: ServiceContext,
  csvText: string,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const facts = await loadStoreFacts(ctx.db);
  const check = checkFile(csvText, facts, options);
  const existing = await loadExisting(ctx.db, [...check.usernames.keys()]);
  planRows(csvText, facts, existing, check, options);
  const figures = { counts: tally(check.report), rows: check.report };
  if (check.errors.length > 0) {
    return { ok: false, errors: check.errors.sort((a, b) => a.line - b.line), ...figures };
  }
  const notices = hashNotices(check.hashedSecrets);
  const names = [...check.organizations];
  if (options.dryRun === true) {
    const organizationsCreated = names.filter((name) => !facts.organizations.has(name)).length;
    const imported = figures.counts.create + figures.counts.update;
    const preview = { imported, organizations: names.length, organizationsCreated };
    return { ok: true, dryRun: true, ...preview, notices, ...figures };
  }
  // Only new accounts take the file's secrets. argon2 is slow on purpose: hash before the
  // transaction so it stays short.
  for (const line of check.plainSecrets.keys())
    if (check.plans.get(line)?.action !== 'create') check.plainSecrets.delete(line);
  const hashed = await hashPlainSecrets(ctx.hasher, check.plainSecrets);
  const actor = options.actor ?? options.admin?.accountId ?? 'system';
  const written = await ctx.db.transaction().execute(async (trx) => {
    const orgs = await ensureOrganizations(trx, ctx.clock, names);
    if (check.newProducts?.size) {
      const products = [...check.newProducts].map(([code, name]) => ({ code, name }));
      await createProducts(trx, products);
      facts.products = await loadProducts(trx);
    }
    const sources = { facts, orgIds: orgs.ids, hashed, actor, check, options };
    const imported = await writeRows(trx, ctx, csvText, sources);
    return { imported, organizations: orgs.ids.size, organizationsCreated: orgs.created };
  });
  for (const row of check.report) {
    const id = written.imported.ids.get(row.line);
    if (id) row.accountId = id;
  }
  if (written.imported.mail) ctx.mailQueued();
  return {
    ok: true,
    dryRun: false,
    imported: written.imported.count,
    organizations: written.organizations,
    organizationsCreated: written.organizationsCreated,
    notices,
    ...figures,
  };
}
