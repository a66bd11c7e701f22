import { z } from 'zod';
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
} from './domain/account-input.ts';

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
    const match = HOLDER.exec(item);
    const name = PersonNameSchema.safeParse(match?.[1] ?? '');
    const email = EmailSchema.safeParse(match?.[2] ?? '');
    if (!match || !name.success || !email.success) {
      ctx.addIssue({
        code: 'custom',
        message: `Holder ${index + 1} ("${item}"): write each holder as Name <email>, holders separated by ;.`,
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
  organization: z
    .string()
    .trim()
    .min(1, 'Name the organization.')
    .max(200, 'Use an organization name of at most 200 characters.'),
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
  return { ok: true, row: { organization: r.organization, fields } };
}
