import { z } from 'zod';
import { AuditPageSchema, AuditVerificationSchema } from '../api/audit.ts';
import { connectionId, id } from './fields.ts';

/** A text filter: trimmed, blank meaning "any"; the message names the field as the form labels it. */
const textFilter = (label: string, max: number) =>
  z
    .string()
    .trim()
    .max(max, `${label}: at most ${max} characters.`)
    .optional()
    .transform((value) => (value === '' ? undefined : value));

/** A moment (ms since 1970) a filter starts or ends at. */
const moment = (label: string) =>
  z
    .number({ message: `${label}: choose a date and time.` })
    .int(`${label}: choose a date and time.`)
    .min(0, `${label}: choose a date and time.`)
    .optional();

/** The Audit screen's filters, as the service's `GET /api/v1/audit` takes them. */
export const auditFilterFields = {
  connectionId,
  actor: textFilter('Actor', 100),
  account: textFilter('Account', 100),
  type: textFilter('Action', 60),
  organization: id.optional(),
  from: moment('From'),
  to: moment('To'),
};

/** A time window that ends before it starts is a mistake worth naming, not an empty list. */
const inOrder = (f: { from?: number | undefined; to?: number | undefined }) =>
  f.from === undefined || f.to === undefined || f.from < f.to;
const ORDER_ISSUE = { message: 'To: choose a time after From.', path: ['to'] };

export const AuditFiltersSchema = z.object(auditFilterFields).refine(inOrder, ORDER_ISSUE);
export type AuditFilters = z.input<typeof AuditFiltersSchema>;

/** What an export answers: the file written (the CSV itself never reaches the renderer), or a cancel. */
export const AuditExportResultSchema = z.discriminatedUnion('cancelled', [
  z.object({
    cancelled: z.literal(false),
    savedTo: z.string(),
    /** Events written (CSV records after the header). */
    events: z.number().int(),
    bytes: z.number().int(),
  }),
  z.object({ cancelled: z.literal(true) }),
]);

/** IPC operations of the Audit screen: query, CSV export, chain check. Spread into `IPC` (contract.ts). */
export const AUDIT_IPC = {
  /** One page of events, newest first; `cursor` continues where the last page ended. */
  queryAudit: {
    input: z
      .object({
        ...auditFilterFields,
        cursor: z.string().max(500).optional(),
        limit: z.number().int().min(1).max(500).default(200),
      })
      .refine(inOrder, ORDER_ISSUE),
    output: AuditPageSchema,
  },
  /** Asks where to save, then streams every matching event from the service into that file. */
  exportAuditCsv: { input: AuditFiltersSchema, output: AuditExportResultSchema },
  /** Checks the hash chain of the whole log (R78) and answers intact or where it breaks. */
  verifyAuditChain: { input: z.object({ connectionId }), output: AuditVerificationSchema },
} as const;
