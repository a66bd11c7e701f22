import { z } from 'zod';
import { FieldChangeSchema } from './actions.ts';
import { route } from './contract.ts';

/** The largest import file the API takes: 100,000 rows of a wide HR export fit several times. */
export const IMPORT_MAX_BYTES = 64 * 1024 * 1024;
/** Progress lines come at most this often while an import is read, checked and written. */
export const IMPORT_PROGRESS_MS = 250;
/** How many rows the preview lists (counts and problems cover every row). */
export const IMPORT_PREVIEW_ROWS = 1000;
/** Rows per `report` line of an applied import. */
export const IMPORT_REPORT_CHUNK = 1000;

/** The request header carrying why, percent-encoded UTF-8 (`encodeURIComponent`). */
export const REASON_HEADER = 'latchkey-reason';
/** The request header carrying the ticket, percent-encoded like the reason; optional. */
export const TICKET_HEADER = 'latchkey-ticket';

/** What the import routes read from the headers, once decoded. */
export const ImportHeadersSchema = z.object({
  [REASON_HEADER]: z
    .string({ message: 'Say why, in a few words (the Latchkey-Reason header).' })
    .trim()
    .min(3, 'Say why, in a few words (the Latchkey-Reason header).')
    .max(500, 'Keep the reason under 500 characters.'),
  [TICKET_HEADER]: z.string().trim().max(100).optional(),
});

/** One refused cell or line: the line as in the file (the header is line 1), the column's name. */
export const ImportProblemSchema = z.object({
  line: z.number().int(),
  /** A column of the file (`email`, `products`, …), or `row`, `header` or `file`. */
  column: z.string(),
  message: z.string(),
});
export type ImportProblem = z.infer<typeof ImportProblemSchema>;

/** What a row does: a new account, a change to the account with its username, nothing, or refused. */
export const ImportActionSchema = z.enum(['create', 'update', 'unchanged', 'error']);
export type ImportAction = z.infer<typeof ImportActionSchema>;

export const ImportCountsSchema = z.object({
  create: z.number().int(),
  update: z.number().int(),
  unchanged: z.number().int(),
  /** Rows with at least one problem. */
  error: z.number().int(),
});
export type ImportCounts = z.infer<typeof ImportCountsSchema>;

/** One row of the file and what it does; an update lists the fields that differ. */
export const ImportRowSchema = z.object({
  line: z.number().int(),
  action: ImportActionSchema,
  username: z.string(),
  /** create: every field given (from null); update: the fields that differ; else empty. */
  changes: z.array(FieldChangeSchema),
  /** The account's id, once it exists (result rows; preview rows of updates and unchanged). */
  accountId: z.string().optional(),
});
export type ImportRow = z.infer<typeof ImportRowSchema>;

/** Something the import accepted but could not check (an argon2 hash), with its lines. */
export const ImportNoticeSchema = z.object({
  column: z.string(),
  lines: z.array(z.number().int()),
  message: z.string(),
});

const Progress = z.object({
  type: z.literal('progress'),
  /** reading: the file arriving and parsed; checking: against the store; writing: in the transaction. */
  phase: z.enum(['reading', 'checking', 'writing']),
  rows: z.number().int(),
  bytes: z.number().int(),
});

const Preview = z.object({
  type: z.literal('preview'),
  counts: ImportCountsSchema,
  /** Every problem of the file, by line then column. */
  problems: z.array(ImportProblemSchema),
  /** The first IMPORT_PREVIEW_ROWS rows; `rowCount` says how many there are. */
  rows: z.array(ImportRowSchema),
  rowCount: z.number().int(),
  notices: z.array(ImportNoticeSchema),
});

/** An applied import's rows, every one, in chunks of IMPORT_REPORT_CHUNK before the result. */
const Report = z.object({ type: z.literal('report'), rows: z.array(ImportRowSchema) });

const Result = z.object({
  type: z.literal('result'),
  counts: ImportCountsSchema,
  rowCount: z.number().int(),
  notices: z.array(ImportNoticeSchema),
  /** e.g. "Created 12 accounts, updated 3, 985 unchanged." */
  summary: z.string(),
});

/** Nothing was written: every problem (by line and column), or why the import stopped. */
const Failed = z.object({
  type: z.literal('failed'),
  message: z.string(),
  problems: z.array(ImportProblemSchema),
  counts: ImportCountsSchema.optional(),
});

/**
 * One line of an import's `application/x-ndjson` answer: progress lines, then (apply) report
 * lines, then exactly one `preview`, `result` or `failed`. Refusals before the file is read
 * (sign-in, permission, reason, size) are ordinary JSON errors with their status.
 */
export const ImportStreamLineSchema = z.discriminatedUnion('type', [
  Progress,
  Preview,
  Report,
  Result,
  Failed,
]);
export type ImportStreamLine = z.infer<typeof ImportStreamLineSchema>;

const CsvBody = z
  .string()
  .describe(
    'The import file (SPEC §5): the header username,email,name,phone,organization,products,password,security_question,security_answer,shared,holders, then one account a line',
  );

/**
 * Import from the console (issue 16): the CLI's rules (service/import), update-or-create by
 * username, all or nothing. Organizations are named in the file and must be ones the
 * administrator manages (import_accounts there; the power rule on every account updated).
 * Spread into `API` (routes.ts).
 */
export const IMPORT_ROUTES = {
  previewImport: route({
    method: 'POST',
    path: '/api/v1/imports/preview',
    tag: 'imports',
    auth: true,
    summary:
      'Dry run of an import: what each row would do, every problem by line and column; writes nothing. Streams progress, then the preview',
    headers: ImportHeadersSchema,
    body: CsvBody,
    bodyType: 'text/csv',
    bodyLimit: IMPORT_MAX_BYTES,
    response: ImportStreamLineSchema,
    responseType: 'application/x-ndjson',
  }),
  applyImport: route({
    method: 'POST',
    path: '/api/v1/imports',
    tag: 'imports',
    auth: true,
    summary:
      'Import accounts, all or nothing in one transaction (update-or-create by username). Streams progress, the report, then the result or why nothing was written',
    headers: ImportHeadersSchema,
    body: CsvBody,
    bodyType: 'text/csv',
    bodyLimit: IMPORT_MAX_BYTES,
    response: ImportStreamLineSchema,
    responseType: 'application/x-ndjson',
  }),
};
