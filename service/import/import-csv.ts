import type { Db, ServiceContext } from '../context.ts';
import { parseCsv, type CsvItem } from './csv-parser.ts';
import { usernameKey } from '../domain/accounts.ts';
import { accountProblems, type ProductRef } from '../domain/account-checks.ts';
import { secretKind, type AccountFields } from '../domain/account-input.ts';
import { loadProducts } from '../domain/account-records.ts';
import {
  buildAccountRecords,
  chunks,
  hashSecrets,
  insertAccounts,
  type AccountSecrets,
  type PreparedAccount,
} from '../domain/account-rows.ts';
import { defaultPolicy, parsePolicy, type OrganizationPolicy } from '../domain/policy.ts';
import type { Hasher } from '../domain/passwords.ts';
import {
  columnOf,
  CSV_COLUMNS,
  curatedQuestionProblem,
  fieldCountMessage,
  headerProblem,
  parseImportRow,
  type ImportError,
} from './import-rows.ts';
import { quoted } from '../../common/api/text.ts';
import { createProducts, ensureOrganizations } from './import-references.ts';

export type { ImportError };

/** Something the import accepted but could not check, with the lines it concerns. */
export interface ImportNotice {
  field: 'password' | 'security_answer';
  lines: number[];
  message: string;
}

export type ImportResult =
  | {
      ok: true;
      /** True when nothing was written: the figures are what the import would do. */
      dryRun: boolean;
      imported: number;
      /** Organizations the file names. */
      organizations: number;
      /** Of those, how many the import created. */
      organizationsCreated: number;
      notices: ImportNotice[];
    }
  | { ok: false; errors: ImportError[] };

interface KnownOrganization {
  name: string;
  policy: OrganizationPolicy;
}

/** What the checks read from the store once, before the file. */
interface StoreFacts {
  products: Map<string, ProductRef>;
  organizations: Map<string, KnownOrganization>;
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
}

const WRITE_BATCH = 500;
const HASH_CONCURRENCY = 4;

/**
 * Imports accounts from CSV (SPEC §5). Every row is checked first and every problem is
 * reported; only a file without problems is written, all of it in one transaction.
 * Organizations are created by name as needed. The text is read three times (check, hash,
 * write) rather than held as rows, so memory stays small for large files.
 */
export async function importCsv(
  ctx: ServiceContext,
  csvText: string,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const facts = await loadStoreFacts(ctx.db);
  const check = checkFile(csvText, facts, options.createMissingProducts === true);
  check.errors.push(...(await takenUsernames(ctx.db, check.usernames)));
  if (check.errors.length > 0) {
    return { ok: false, errors: check.errors.sort((a, b) => a.line - b.line) };
  }
  const notices = hashNotices(check.hashedSecrets);
  if (options.dryRun === true) {
    const names = [...check.organizations];
    const organizationsCreated = names.filter((name) => !facts.organizations.has(name)).length;
    const preview = { imported: check.rows, organizations: names.length, organizationsCreated };
    return { ok: true, dryRun: true, ...preview, notices };
  }
  // argon2 is slow on purpose: hash before the transaction so it stays short.
  const hashed = await hashPlainSecrets(ctx.hasher, check.plainSecrets);
  const actor = options.actor ?? 'system';
  return ctx.db.transaction().execute(async (trx) => {
    const orgs = await ensureOrganizations(trx, ctx.clock, [...check.organizations]);
    if (check.newProducts?.size) {
      const products = [...check.newProducts].map(([code, name]) => ({ code, name }));
      await createProducts(trx, products);
      facts.products = await loadProducts(trx);
    }
    const imported = await writeRows(trx, ctx, csvText, { facts, orgIds: orgs.ids, hashed, actor });
    return {
      ok: true,
      dryRun: false,
      imported,
      organizations: orgs.ids.size,
      organizationsCreated: orgs.created,
      notices,
    };
  });
}

async function loadStoreFacts(db: Db): Promise<StoreFacts> {
  const rows = await db.selectFrom('organizations').select(['name', 'policy']).execute();
  const organizations = new Map(
    rows.map((o) => [o.name, { name: o.name, policy: parsePolicy(o.policy) }]),
  );
  return { products: await loadProducts(db), organizations };
}

/** The first pass: the header, then every row's shape, policy and uniqueness in the file. */
function checkFile(text: string, facts: StoreFacts, createMissingProducts: boolean): FileCheck {
  const check: FileCheck = {
    newProducts: createMissingProducts ? new Map() : null,
    errors: [],
    usernames: new Map(),
    organizations: new Set(),
    plainSecrets: new Map(),
    hashedSecrets: { password: [], security_answer: [] },
    rows: 0,
  };
  const items = parseCsv(text);
  const header = items.next();
  const headerError = headerProblem(header.done ? undefined : header.value);
  if (headerError) return { ...check, errors: [headerError] };
  for (const item of items) checkItem(item, facts, check);
  return check;
}

function checkItem(item: CsvItem, facts: StoreFacts, check: FileCheck): void {
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
  // A new organization gets the default policy.
  const known = facts.organizations.get(organization) ?? {
    name: organization,
    policy: defaultPolicy(),
  };
  const problems = accountProblems(fields, {
    organization: known,
    products: facts.products,
    usernameTaken: () => false, // checked against the store for the whole file at once
  });
  for (const p of problems) fail(columnOf(p.field), p.message);
  const question = curatedQuestionProblem(fields.securityQuestion, known);
  if (question) fail('security_question', question);
  noteSecrets(item.line, fields, check);
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

/** Usernames of the file that accounts in the store already have. */
async function takenUsernames(db: Db, usernames: Map<string, number>): Promise<ImportError[]> {
  const errors: ImportError[] = [];
  for (const keys of chunks([...usernames.keys()], 500)) {
    const rows = await db
      .selectFrom('accounts')
      .select(['username', 'username_key'])
      .where('username_key', 'in', keys)
      .execute();
    for (const row of rows) {
      errors.push({
        line: usernames.get(row.username_key) ?? 0,
        field: 'username',
        message: `The username is taken by the existing account "${row.username}" (usernames are compared without regard to case).`,
      });
    }
  }
  return errors;
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
}

/** The third pass, inside the transaction: every row, already checked, in batches. */
async function writeRows(
  trx: Db,
  ctx: ServiceContext,
  text: string,
  sources: WriteSources,
): Promise<number> {
  const now = ctx.clock.now();
  const audit = { type: 'account_imported', actor: sources.actor } as const;
  let batch: PreparedAccount[] = [];
  let imported = 0;
  let header = true;
  for (const item of parseCsv(text)) {
    if (header || item.kind === 'error') {
      header = false;
      continue;
    }
    const parsed = parseImportRow(item.fields);
    if (!parsed.ok) throw new Error(`Line ${item.line} changed between checking and writing.`);
    const { organization, fields } = parsed.row;
    // Rows without plain secrets carry PHC strings or nothing: no hashing happens here.
    const secrets = sources.hashed.get(item.line) ?? (await hashSecrets(ctx.hasher, fields));
    const organizationId = sources.orgIds.get(organization) ?? '';
    const detail = { source: 'csv', line: item.line };
    batch.push(
      buildAccountRecords(fields, {
        organizationId,
        products: sources.facts.products,
        secrets,
        now,
        detail,
      }),
    );
    if (batch.length < WRITE_BATCH) continue;
    await insertAccounts(trx, ctx.clock, batch, audit);
    imported += batch.length;
    batch = [];
  }
  await insertAccounts(trx, ctx.clock, batch, audit);
  return imported + batch.length;
}
