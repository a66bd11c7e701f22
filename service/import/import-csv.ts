import type { FieldChange } from '../../common/api/actions.ts';
import type { AdminIdentity } from '../../common/api/auth.ts';
import type { ImportAction, ImportCounts, ImportRow } from '../../common/api/imports.ts';
import { quoted } from '../../common/api/text.ts';
import type { ServiceContext } from '../context.ts';
import type { Db } from '../store/schema.ts';
import { applyIdentityChanges } from '../domain/account-changes/identity.ts';
import { applyOrganizationMove } from '../domain/account-changes/organization.ts';
import { applyProductChange } from '../domain/account-changes/products.ts';
import { organizationOf, usernameKey } from '../domain/accounts.ts';
import { accountProblems, type ProductRef } from '../domain/account-checks.ts';
import { secretKind, type AccountFields } from '../domain/account-input.ts';
import { loadProducts } from '../domain/account-records.ts';
import {
  buildAccountRecords,
  hashSecrets,
  insertAccounts,
  type AccountSecrets,
  type PreparedAccount,
} from '../domain/account-rows.ts';
import { bumpVersion } from '../domain/admin/account-view.ts';
import { visibleOrganizations } from '../domain/admin/permissions.ts';
import { holds } from '../../common/api/permission-rules.ts';
import { recordAudit } from '../domain/audit.ts';
import { DomainError } from '../domain/domain-error.ts';
import type { Hasher } from '../domain/passwords.ts';
import { defaultPolicy, parsePolicy, type OrganizationPolicy } from '../domain/policy.ts';
import { parseCsv, type CsvItem } from './csv-parser.ts';
import {
  loadExisting,
  rowChanges,
  updateProblems,
  type ExistingAccount,
} from './existing-accounts.ts';
import { createProducts, ensureOrganizations } from './import-references.ts';
import {
  columnOf,
  CSV_COLUMNS,
  curatedQuestionProblem,
  fieldCountMessage,
  headerProblem,
  parseImportRow,
  type ImportError,
  type ImportRow as ParsedImportRow,
} from './import-rows.ts';

export type { ImportError };

/** Something the import accepted but could not check, with the lines it concerns. */
export interface ImportNotice {
  field: 'password' | 'security_answer';
  lines: number[];
  message: string;
}

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

interface KnownOrganization {
  id: string | null;
  name: string;
  policy: OrganizationPolicy;
}

/** What the checks read from the store once, before the file. */
interface StoreFacts {
  products: Map<string, ProductRef>;
  organizations: Map<string, KnownOrganization>;
}

/** Where an import is, for a progress line: rows checked, then rows written. */
export interface ImportProgress {
  phase: 'checking' | 'writing';
  rows: number;
}

/** How to import. */
export interface ImportOptions {
  /** `system`, or the acting administrator's account id, for the audit log. */
  actor?: string;
  /**
   * Create products the file names that the store lacks, instead of refusing those rows
   * (e.g. the benchmark generator's `ehr`, `pacs`, …). Off by default: a typo would become a product.
   */
  createMissingProducts?: boolean;
  /** Check the whole file and answer what the import would do, writing nothing. */
  dryRun?: boolean;
  /**
   * The administrator importing through the API: every organization the file names must be
   * one they hold import_accounts in (none is created), and the power rule holds for every
   * account updated. Without one (the CLI, on the server) organizations are created as needed.
   */
  admin?: AdminIdentity;
  /** Why, and the ticket, recorded with every account created or changed. */
  reason?: string;
  ticket?: string;
  onProgress?: (progress: ImportProgress) => void;
}

/** One valid row's plan: create, or update (with the changes), or leave. */
interface RowPlan {
  action: Exclude<ImportAction, 'error'>;
  existing: ExistingAccount | undefined;
  changes: FieldChange[];
}

/** What checking the file found. */
interface FileCheck {
  /** Product codes to create, each with its name as the file first writes it; null when missing products are refused. */
  newProducts: Map<string, string> | null;
  errors: ImportError[];
  /** Username key → the line that has it. */
  usernames: Map<string, number>;
  organizations: Set<string>;
  /** Lines whose password or answer is plain text and must be hashed. */
  plainSecrets: Map<number, Pick<AccountFields, 'password' | 'securityAnswer'>>;
  /** Lines whose password or answer is an argon2 hash, which no rule can look into. */
  hashedSecrets: Record<ImportNotice['field'], number[]>;
  rows: number;
  /** Each valid row's plan, by line (filled in by the second pass). */
  plans: Map<number, RowPlan>;
  /** The rows, in the file's order, as the preview and the report list them. */
  report: ImportRow[];
}

const WRITE_BATCH = 500;
const HASH_CONCURRENCY = 4;
/** Progress is reported every this many rows (the caller throttles it in time). */
const PROGRESS_EVERY = 1000;

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

async function loadStoreFacts(db: Db): Promise<StoreFacts> {
  const rows = await db.selectFrom('organizations').select(['id', 'name', 'policy']).execute();
  const organizations = new Map(
    rows.map((o) => [o.name, { id: o.id, name: o.name, policy: parsePolicy(o.policy) }]),
  );
  return { products: await loadProducts(db), organizations };
}

function newCheck(createMissingProducts: boolean): FileCheck {
  return {
    newProducts: createMissingProducts ? new Map() : null,
    errors: [],
    usernames: new Map(),
    organizations: new Set(),
    plainSecrets: new Map(),
    hashedSecrets: { password: [], security_answer: [] },
    rows: 0,
    plans: new Map(),
    report: [],
  };
}

/** The first pass: the header, then every row's shape, policy and uniqueness in the file. */
function checkFile(text: string, facts: StoreFacts, options: ImportOptions): FileCheck {
  const check = newCheck(options.createMissingProducts === true);
  const items = parseCsv(text);
  const header = items.next();
  const headerError = headerProblem(header.done ? undefined : header.value);
  if (headerError) return { ...check, errors: [headerError] };
  for (const item of items) {
    checkItem(item, facts, check, options.admin);
    if (check.rows % PROGRESS_EVERY === 0)
      options.onProgress?.({ phase: 'checking', rows: check.rows });
  }
  return check;
}

/** The organizations the administrator may import into, by name: never one they do not manage. */
function organizationProblem(
  name: string,
  known: KnownOrganization | undefined,
  admin: AdminIdentity | undefined,
): string | null {
  if (!admin) return null;
  const visible = visibleOrganizations(admin);
  const theirs = known?.id && (visible === null || visible.includes(known.id)) ? known.id : null;
  if (!theirs)
    return `${quoted(name)} is not one of the organizations you manage (names must match exactly; an import from the console creates no organization).`;
  if (!holds(admin, 'import_accounts', theirs))
    return `Your role in ${name} does not allow importing accounts.`;
  return null;
}

function checkItem(
  item: CsvItem,
  facts: StoreFacts,
  check: FileCheck,
  admin: AdminIdentity | undefined,
): void {
  const fail = (field: string, message: string) =>
    check.errors.push({ line: item.line, field, message });
  if (item.kind === 'error') return void fail('row', item.message);
  check.rows++;
  if (item.fields.length !== CSV_COLUMNS.length) {
    return void fail('row', fieldCountMessage(item.fields));
  }
  noteUsername(item.line, item.fields[0] ?? '', check);
  const parsed = parseImportRow(item.fields);
  if (!parsed.ok) {
    for (const p of parsed.problems) fail(columnOf(p.field), p.message);
    return;
  }
  const { organization, fields, productSpellings } = parsed.row;
  check.organizations.add(organization);
  if (check.newProducts) noteNewProducts(productSpellings, facts, check.newProducts);
  const found = facts.organizations.get(organization);
  const scope = organizationProblem(organization, found, admin);
  if (scope) fail('organization', scope);
  // A new organization gets the default policy.
  const known = found ?? { id: null, name: organization, policy: defaultPolicy() };
  const problems = accountProblems(fields, {
    organization: known,
    products: facts.products,
    usernameTaken: () => false, // an account with the username is updated, not refused
  });
  for (const p of problems) fail(columnOf(p.field), p.message);
  const question = curatedQuestionProblem(fields.securityQuestion, known);
  if (question) fail('security_question', question);
  noteSecrets(item.line, fields, check);
}

/**
 * The second pass: what each row does to the store (create, update with its changes, or
 * nothing), and the refusals only the store can tell (the power rule, a shared login's kind).
 */
function planRows(
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
/** Plain secrets are hashed later; argon2 hashes are taken as they are, and the result says so. */
function noteSecrets(line: number, fields: AccountFields, check: FileCheck): void {
  const password = secretKind(fields.password);
  const answer = secretKind(fields.securityAnswer);
  if (password === 'argon2') check.hashedSecrets.password.push(line);
  if (answer === 'argon2') check.hashedSecrets.security_answer.push(line);
  if (password === 'plain' || answer === 'plain') {
    check.plainSecrets.set(line, {
      password: fields.password,
      securityAnswer: fields.securityAnswer,
    });
  }
}

/**
 * Takes unknown product codes as products to create, named as the file first writes them
 * (their id is known only once created).
 */
function noteNewProducts(
  spellings: ReadonlyMap<string, string>,
  facts: StoreFacts,
  newProducts: Map<string, string>,
): void {
  for (const [code, name] of spellings) {
    if (facts.products.has(code)) continue;
    newProducts.set(code, name);
    facts.products.set(code, { id: '', code, name });
  }
}

function noteUsername(line: number, username: string, check: FileCheck): void {
  const key = usernameKey(username);
  if (key === '') return;
  const first = check.usernames.get(key);
  if (first === undefined) {
    check.usernames.set(key, line);
    return;
  }
  check.errors.push({
    line,
    field: 'username',
    message: `${quoted(username.trim())} repeats the username on line ${first} (usernames are compared without regard to case).`,
  });
}

const UNCHECKED: Record<ImportNotice['field'], string> = {
  password: 'the password policy (R53) cannot be checked on a hash',
  security_answer:
    'the Security Question page’s answer rules (minimum length, trivial answers, username or email, R33) cannot be checked on a hash',
};

/** SPEC §5 takes existing argon2 hashes as they are: the result says which rules it could not apply. */
function hashNotices(hashed: FileCheck['hashedSecrets']): ImportNotice[] {
  return (['password', 'security_answer'] as const).flatMap((field) => {
    const lines = hashed[field];
    if (lines.length === 0) return [];
    const noun = field === 'password' ? 'password' : 'answer';
    const what =
      lines.length === 1
        ? `1 ${noun} is an argon2 hash`
        : `${lines.length} ${noun}s are argon2 hashes`;
    return [{ field, lines, message: `${what}, imported as given: ${UNCHECKED[field]}.` }];
  });
}

/** The second pass, before the transaction: a few hashes at a time (libuv's pool has four threads). */
async function hashPlainSecrets(
  hasher: Hasher,
  plain: FileCheck['plainSecrets'],
): Promise<Map<number, AccountSecrets>> {
  const hashed = new Map<number, AccountSecrets>();
  const queue = [...plain.entries()];
  const worker = async () => {
    for (let next = queue.pop(); next; next = queue.pop()) {
      hashed.set(next[0], await hashSecrets(hasher, next[1]));
    }
  };
  await Promise.all(Array.from({ length: HASH_CONCURRENCY }, worker));
  return hashed;
}

interface WriteSources {
  facts: StoreFacts;
  orgIds: Map<string, string>;
  hashed: Map<number, AccountSecrets>;
  actor: string;
  check: FileCheck;
  options: ImportOptions;
}

/** What the write pass did: rows written, the new accounts' ids by line, whether mail was queued. */
interface Written {
  count: number;
  ids: Map<number, string>;
  mail: boolean;
}

/**
 * The third pass, inside the transaction: new accounts in batches, updates one by one (each
 * under the version the plan read: an account changed meanwhile stops the whole import).
 */
async function writeRows(
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
  let batch: PreparedAccount[] = [];
  let header = true;
  const flush = async () => {
    await insertAccounts(trx, ctx.clock, batch, audit);
    written.count += batch.length;
    batch = [];
    sources.options.onProgress?.({ phase: 'writing', rows: written.count });
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
    batch.push(prepared);
    if (batch.length >= WRITE_BATCH) await flush();
  }
  await flush();
  return written;
}

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
