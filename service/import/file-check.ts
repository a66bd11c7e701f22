import type { FieldChange } from '../../common/api/actions.ts';
import type { AdminIdentity } from '../../common/api/auth.ts';
import type { ImportAction, ImportRow } from '../../common/api/imports.ts';
import { holds } from '../../common/api/permission-rules.ts';
import { quoted } from '../../common/api/text.ts';
import { usernameKey } from '../domain/accounts.ts';
import { accountProblems } from '../domain/account-checks.ts';
import { secretKind, type AccountFields } from '../domain/account-input.ts';
import { visibleOrganizations } from '../domain/admin/permissions.ts';
import { defaultPolicy } from '../domain/policy.ts';
import { parseCsv, type CsvItem } from './csv-parser.ts';
import type { ExistingAccount } from './existing-accounts.ts';
import { PROGRESS_EVERY, type ImportOptions } from './import-options.ts';
import {
  columnOf,
  CSV_COLUMNS,
  curatedQuestionProblem,
  fieldCountMessage,
  headerProblem,
  parseImportRow,
  type ImportError,
} from './import-rows.ts';
import type { HashedSecrets, PlainSecrets } from './import-secrets.ts';
import type { KnownOrganization, StoreFacts } from './store-facts.ts';

/** One valid row's plan: create, or update (with the changes), or leave. */
export interface RowPlan {
  action: Exclude<ImportAction, 'error'>;
  existing: ExistingAccount | undefined;
  changes: FieldChange[];
}

/** What checking the file found. */
export interface FileCheck {
  /** Product codes to create, each with its name as the file first writes it; null when missing products are refused. */
  newProducts: Map<string, string> | null;
  errors: ImportError[];
  /** Username key → the line that has it. */
  usernames: Map<string, number>;
  organizations: Set<string>;
  plainSecrets: PlainSecrets;
  hashedSecrets: HashedSecrets;
  rows: number;
  /** Each valid row's plan, by line (filled in by the second pass). */
  plans: Map<number, RowPlan>;
  /** The rows, in the file's order, as the preview and the report list them. */
  report: ImportRow[];
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
export function checkFile(text: string, facts: StoreFacts, options: ImportOptions): FileCheck {
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
