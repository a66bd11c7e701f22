import { z } from 'zod';
import {
  AccountChangeResultSchema,
  ProductCodeListSchema,
  UsernameCheckAnswerSchema,
} from '../api/account-admin.ts';
import {
  EmailSchema as emailField,
  PersonNameSchema as nameField,
  PhoneSchema as phoneField,
  UsernameSchema,
} from '../api/account-fields.ts';
import { AccountViewSchema } from '../api/account-view.ts';

import { ImportCountsSchema, ImportProblemSchema, ImportRowSchema } from '../api/imports.ts';
import { changeFields, connectionId, id } from './fields.ts';

export type { ImportProblem, ImportRow } from '../api/imports.ts';

/** The identity fields are the admin API's own, so the console names a bad one before sending. */
const usernameField = z.string().trim().min(1, 'Enter a username.').pipe(UsernameSchema);

const productsField = ProductCodeListSchema;

/** The identity fields an edit may change; at least one. */
const IdentityChangeSchema = z
  .object({
    ...changeFields,
    username: usernameField.optional(),
    email: emailField.optional(),
    name: nameField.optional(),
    phone: phoneField.optional(),
  })
  .refine((c) => [c.username, c.email, c.name, c.phone].some((v) => v !== undefined), {
    message: 'Change at least one field.',
    path: ['username'],
  });

/**
 * A preview or a result as the renderer receives it. The whole list stays in main (a 100,000-row
 * file's rows would be megabytes over IPC): the renderer gets every count, the problems and rows
 * up to a bound, and how many there were; the saved report holds everything.
 */
export const ImportSummarySchema = z.object({
  importId: id,
  /** The file's name, as the report and the screen show it. */
  fileName: z.string(),
  /** True for a dry run: nothing was changed. */
  dryRun: z.boolean(),
  /** False when the service refused the file (problems say why): nothing was changed. */
  ok: z.boolean(),
  counts: ImportCountsSchema,
  problems: z.array(ImportProblemSchema),
  problemCount: z.number().int(),
  /** Why nothing was written, in the service's words, when it refused (`ok` false). */
  message: z.string().nullable(),
  /** The service's one-line account of an applied import ("Created 12 accounts, …"). */
  summary: z.string().nullable(),
  /** Rows that create or change an account, in file order, up to the bound. */
  rows: z.array(ImportRowSchema),
  rowCount: z.number().int(),
  /** Data rows read from the file (the header not counted). */
  rowsRead: z.number().int(),
  seconds: z.number(),
  rowsPerSecond: z.number(),
});
export type ImportSummary = z.infer<typeof ImportSummarySchema>;

/** How many problems and rows a summary carries to the renderer at most. */
export const SUMMARY_PROBLEMS = 1_000;
export const SUMMARY_ROWS = 100;

const importRun = z.object({
  connectionId,
  importId: id,
  reason: changeFields.reason,
  ticket: changeFields.ticket,
});

/**
 * IPC operations of creating, editing and importing accounts (issue 16). The import file never
 * crosses IPC: main opens it after its own open dialog and streams it to the service; the
 * renderer names it by `importId`. Spread into `IPC` (contract.ts).
 */
export const ACCOUNT_ADMIN_IPC = {
  /** Creates an account; the person is emailed a link to Set Up Password. */
  createAccount: {
    input: z.object({
      connectionId,
      username: usernameField,
      email: emailField,
      name: nameField,
      phone: phoneField.default(''),
      organizationId: id.min(1, 'Choose an organization.'),
      products: productsField,
      reason: changeFields.reason,
      ticket: changeFields.ticket,
      idempotencyKey: changeFields.idempotencyKey,
    }),
    output: AccountViewSchema,
  },
  /** Is this username free? Changes nothing; `problem` null when it can be used. */
  checkNewUsername: {
    input: z.object({
      connectionId,
      username: z.string().max(200),
      /** The account being renamed: its own username is no clash. */
      accountId: id.optional(),
    }),
    output: UsernameCheckAnswerSchema,
  },
  /** Changes username, email, name or phone (If-Match: the version seen). */
  editIdentity: { input: IdentityChangeSchema, output: AccountChangeResultSchema },
  /** Replaces the products the account may use. */
  setProducts: {
    input: z.object({ ...changeFields, products: productsField }),
    output: AccountChangeResultSchema,
  },
  /** Moves the account to another organization the administrator also manages. */
  moveAccount: {
    input: z.object({ ...changeFields, organizationId: id.min(1, 'Choose an organization.') }),
    output: AccountChangeResultSchema,
  },
  /** Main's open dialog: the chosen CSV's name and size (its contents stay in main). */
  chooseImportFile: {
    input: z.object({ connectionId }),
    output: z.discriminatedUnion('cancelled', [
      z.object({ cancelled: z.literal(true) }),
      z.object({
        cancelled: z.literal(false),
        importId: id,
        name: z.string(),
        bytes: z.number().int(),
      }),
    ]),
  },
  /** Streams the chosen file to the service's dry run; nothing changes. */
  previewImport: { input: importRun, output: ImportSummarySchema },
  /** Streams the chosen file to the service's import: all rows or none. */
  runImport: { input: importRun, output: ImportSummarySchema },
  /** Main's save dialog, then the last preview or result written as CSV: every row and problem. */
  saveImportReport: {
    input: z.object({ importId: id }),
    output: z.discriminatedUnion('cancelled', [
      z.object({ cancelled: z.literal(true) }),
      z.object({ cancelled: z.literal(false), savedTo: z.string(), lines: z.number().int() }),
    ]),
  },
} as const;
