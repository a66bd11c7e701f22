import { z } from 'zod';
import { oneLine, quoted } from '../../common/api/text.ts';
import type { CsvItem } from './csv-parser.ts';
import {
  crossFieldProblems,
  EmailSchema,
  issuesToProblems,
  PersonNameSchema,
  PhoneSchema,
  ProductCodesSchema,
  QuestionSchema,
  SecretSchema,
  UsernameSchema,
  type AccountFields,
  type FieldProblem,
  type HolderFields,
} from '../domain/account-input.ts';
import type { OrganizationPolicy } from '../domain/policy.ts';

/** The import file's columns, in this order (SPEC §5: a stable interface). */
export const CSV_COLUMNS = [
  'username',
  'email',
  'name',
  'phone',
  'organization',
  'products',
  'password',
  'security_question',
  'security_answer',
  'shared',
  'holders',
] as const;

export type CsvColumn = (typeof CSV_COLUMNS)[number];

const HEADER = CSV_COLUMNS.join(',');

/** One refused cell or line: `line` as in the file (the header is line 1), `field` a column name. */
export interface ImportError {
  line: number;
  field: string;
  message: string;
}

/** The domain's field names as the file's column names. */
const COLUMN_OF_FIELD: Record<string, CsvColumn> = {
  securityQuestion: 'security_question',
  securityAnswer: 'security_answer',
  organizationId: 'organization',
};

/** Names a domain field problem by its CSV column (`holders.1.email` → `holders`). */
export function columnOf(field: string): string {
  const head = field.split('.')[0] ?? field;
  return COLUMN_OF_FIELD[head] ?? head;
}

const listOf = (text: string): string[] =>
  text
    .split(';')
    .map((item) => item.trim())
    .filter((item) => item !== '');

const HOLDER = /^(.*?)\s*<\s*([^<>]*?)\s*>$/su;

/** `Name <email>; Name <email>`: each holder's problem names the holder by its position. */
const HoldersSchema = z.string().transform((text, ctx): HolderFields[] => {
  const holders: HolderFields[] = [];
  listOf(text).forEach((item, index) => {
    const which = `Holder ${index + 1} (${quoted(item)})`;
    const match = HOLDER.exec(item);
    if (!match) {
      ctx.addIssue({
        code: 'custom',
        message: `${which}: write each holder as Name <email>, holders separated by ;.`,
      });
      return;
    }
    const name = PersonNameSchema.safeParse(match[1] ?? '');
    const email = EmailSchema.safeParse(match[2] ?? '');
    if (!name.success || !email.success) {
      const issue = (name.error ?? email.error)?.issues[0];
      ctx.addIssue({
        code: 'custom',
        message: `${which}: ${issue?.message ?? 'write it as Name <email>.'}`,
      });
      return;
    }
    holders.push({ name: name.data, email: email.data, phone: '', isOwner: false });
  });
  return holders;
});

const SharedSchema = z
  .string()
  .trim()
  .toLowerCase()
  .refine((text) => ['true', 'false', ''].includes(text), 'Write true or false.')
  .transform((text) => text === 'true');

const RowSchema = z.object({
  username: UsernameSchema,
  email: EmailSchema,
  name: PersonNameSchema,
  phone: PhoneSchema,
  organization: oneLine(
    z
      .string()
      .trim()
      .min(1, 'Name the organization.')
      .max(200, 'Use an organization name of at most 200 characters.'),
  ),
  products: z.string().transform(listOf).pipe(ProductCodesSchema),
  password: SecretSchema,
  security_question: QuestionSchema,
  security_answer: SecretSchema,
  shared: SharedSchema,
  holders: HoldersSchema,
});

/** A row of the import file, its fields checked for shape. */
export interface ImportRow {
  organization: string;
  fields: AccountFields;
  /** Each product code (lower case) as the file writes it, e.g. emresource → EMResource. */
  productSpellings: ReadonlyMap<string, string>;
}

/** The first spelling of each code in a `products` cell. */
function spellings(cell: string): Map<string, string> {
  const written = new Map<string, string>();
  for (const item of listOf(cell)) {
    const code = item.toLowerCase();
    if (!written.has(code)) written.set(code, item);
  }
  return written;
}

export type ParsedRow = { ok: true; row: ImportRow } | { ok: false; problems: FieldProblem[] };

/** Reads one record's fields (already counted: one per column) into an account's fields. */
export function parseImportRow(cells: readonly string[]): ParsedRow {
  const record = Object.fromEntries(CSV_COLUMNS.map((column, i) => [column, cells[i] ?? '']));
  const parsed = RowSchema.safeParse(record);
  if (!parsed.success) return { ok: false, problems: issuesToProblems(parsed.error) };
  const r = parsed.data;
  const fields: AccountFields = {
    username: r.username,
    email: r.email,
    name: r.name,
    phone: r.phone,
    products: r.products,
    password: r.password,
    securityQuestion: r.security_question,
    securityAnswer: r.security_answer,
    shared: r.shared,
    holders: r.holders,
    mustChangePassword: false,
  };
  const problems = crossFieldProblems(fields);
  if (problems.length > 0) return { ok: false, problems };
  const productSpellings = spellings(record.products ?? '');
  return { ok: true, row: { organization: r.organization, fields, productSpellings } };
}

/**
 * R33: a question must be one of the organization's curated list, compared word for word as
 * the Security Question page compares the one chosen from that list.
 */
export function curatedQuestionProblem(
  question: string | undefined,
  organization: { name: string; policy: OrganizationPolicy },
): string | null {
  const curated = organization.policy.securityQuestions;
  if (question === undefined || curated.includes(question)) return null;
  const list = curated.map((q) => `"${q}"`).join(', ');
  return `${quoted(question)} is not one of ${organization.name}'s security questions, and people may not write their own. Use one of these, word for word: ${list}.`;
}

/** Why the first record is not the documented header, or null. */
export function headerProblem(item: CsvItem | undefined): ImportError | null {
  const expected = `The first line must be the header ${HEADER}`;
  if (!item) return { line: 1, field: 'header', message: `The file is empty. ${expected}.` };
  if (item.kind === 'error') return { line: item.line, field: 'header', message: item.message };
  if (item.fields.join(',') === HEADER) return null;
  const at = CSV_COLUMNS.findIndex((column, i) => item.fields[i] !== column);
  const cell = item.fields[at];
  const found = cell === undefined ? 'nothing' : quoted(cell);
  const which =
    at === -1
      ? `found ${item.fields.length} columns`
      : `column ${at + 1} should be "${CSV_COLUMNS[at]}", found ${found}`;
  return { line: item.line, field: 'header', message: `${expected} (${which}).` };
}

/** A record with too many or too few fields, and the likely cause. */
export function fieldCountMessage(fields: string[]): string {
  const counted = `Expected ${CSV_COLUMNS.length} fields, found ${fields.length}.`;
  // A PHC string holds commas (m=19456,t=2,p=1): unquoted, it splits into several fields.
  const phc = fields.length > CSV_COLUMNS.length && fields.some((f) => f.startsWith('$argon2'));
  return phc
    ? `${counted} Put PHC strings ($argon2…) in double quotes: they contain commas.`
    : counted;
}
