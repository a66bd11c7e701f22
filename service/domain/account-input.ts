import { z } from 'zod';
import { ProductCodeSchema } from '../../common/api/products.ts';
import {
  EmailSchema,
  PersonNameSchema,
  PhoneSchema,
  UsernameSchema,
} from '../../common/api/account-fields.ts';
import { MAX_SECRET_LENGTH } from './passwords.ts';

/** One thing wrong with one field, in words to show next to it. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** Thrown by `createAccount` when the input is refused; it lists every problem, not just the first. */
export class AccountInputError extends Error {
  constructor(readonly problems: FieldProblem[]) {
    super(`Account refused: ${problems.map((p) => `${p.field}: ${p.message}`).join(' ')}`);
    this.name = 'AccountInputError';
  }
}

export {
  EmailSchema,
  PersonNameSchema,
  PhoneSchema,
  USERNAME_RULE,
  UsernameSchema,
} from '../../common/api/account-fields.ts';

/** The full PHC string @node-rs/argon2 writes: parameters, salt and hash (R55). */
const ARGON2_PHC =
  /^\$argon2(id|i|d)\$v=\d+\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]{11,}\$[A-Za-z0-9+/]{16,}$/;
/** Other crypt-style hashes ($2b$…, $6$…, {SSHA}…): never taken for a plain password. */
const FOREIGN_HASH = /^(\$[A-Za-z0-9-]{1,32}\$|\{[A-Z0-9-]{2,16}\})/;

/** How a supplied password or answer is to be stored. */
export type SecretKind = 'none' | 'plain' | 'argon2' | 'foreign-hash';

export function secretKind(value: string | undefined): SecretKind {
  if (value === undefined) return 'none';
  if (ARGON2_PHC.test(value)) return 'argon2';
  if (FOREIGN_HASH.test(value)) return 'foreign-hash';
  return 'plain';
}

const emptyToUndefined = (value: string | undefined): string | undefined =>
  value === '' ? undefined : value;

export const ProductCodesSchema = z
  .array(ProductCodeSchema)
  .min(1, 'List at least one product.')
  .transform((codes) => [...new Set(codes)]);
/** A plain secret or a PHC string; the size cap is checked before any hashing (R50). */
export const SecretSchema = z
  .string()
  .max(MAX_SECRET_LENGTH, `Use at most ${MAX_SECRET_LENGTH} characters.`)
  .optional()
  .transform(emptyToUndefined);
export const QuestionSchema = z
  .string()
  .trim()
  .max(200, 'Use a question of at most 200 characters.')
  .optional()
  .transform(emptyToUndefined)
  .pipe(z.string().min(5, 'Use a question of at least 5 characters.').optional());

export const HolderInputSchema = z.object({
  name: PersonNameSchema,
  email: EmailSchema,
  phone: PhoneSchema.default(''),
  isOwner: z.boolean().default(false),
});

/** What `createAccount` takes; `organizationId` names an existing organization. */
export const AccountInputSchema = z.object({
  organizationId: z.string().min(1, 'Choose an organization.'),
  username: UsernameSchema,
  email: EmailSchema,
  name: PersonNameSchema,
  phone: PhoneSchema.default(''),
  /** Product codes, e.g. `emresource`; compared without regard to case. */
  products: ProductCodesSchema,
  /** A plain password (hashed here) or the argon2 PHC string of an existing hash. */
  password: SecretSchema,
  securityQuestion: QuestionSchema,
  /** A plain answer (normalized, then hashed) or an argon2 PHC string. */
  securityAnswer: SecretSchema,
  shared: z.boolean().default(false),
  holders: z.array(HolderInputSchema).default([]),
  mustChangePassword: z.boolean().default(false),
});

export type AccountInput = z.input<typeof AccountInputSchema>;
export type ValidAccountInput = z.output<typeof AccountInputSchema>;
/** An account's own fields, whatever names its organization (an id, or a CSV's name). */
export type AccountFields = Omit<ValidAccountInput, 'organizationId'>;
export type HolderFields = z.output<typeof HolderInputSchema>;

/** Rules that tie fields together; the store is not consulted. */
export function crossFieldProblems(v: AccountFields): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (v.holders.length > 0 && !v.shared) {
    problems.push({
      field: 'holders',
      message: 'Only a shared login has holders: mark it shared, or leave the holders out.',
    });
  }
  if (v.holders.filter((h) => h.isOwner).length > 1) {
    problems.push({ field: 'holders', message: 'Name at most one holder as the owner.' });
  }
  if (v.securityQuestion !== undefined && v.securityAnswer === undefined) {
    problems.push({
      field: 'securityAnswer',
      message: 'Give the answer to the security question.',
    });
  }
  if (v.securityQuestion === undefined && v.securityAnswer !== undefined) {
    problems.push({
      field: 'securityQuestion',
      message: 'Give the question this answer belongs to.',
    });
  }
  return problems;
}

/** Maps zod issues to field problems, the path joined with dots (`holders.1.email`). */
export function issuesToProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => ({
    field: issue.path.map(String).join('.') || 'input',
    message: issue.message,
  }));
}

export type ParsedAccountInput =
  { ok: true; value: ValidAccountInput } | { ok: false; problems: FieldProblem[] };

/** Checks the shape of an account's input; answers every problem found. */
export function parseAccountInput(input: unknown): ParsedAccountInput {
  const parsed = AccountInputSchema.safeParse(input);
  if (!parsed.success) return { ok: false, problems: issuesToProblems(parsed.error) };
  const problems = crossFieldProblems(parsed.data);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: parsed.data };
}
