import { z } from 'zod';

/** Why a change is made (SPEC §3: every change says why, in the audit log and to whom it is told). */
export const ReasonSchema = z
  .string()
  .trim()
  .min(3, 'Say why, in a few words.')
  .max(500, 'Keep the reason under 500 characters.');

/** The help-desk ticket a change answers, when there is one. */
export const TicketSchema = z.string().trim().max(100).optional();

/** The fields every change carries: why, and the ticket. */
export const whyFields = { reason: ReasonSchema, ticket: TicketSchema };

/** What is wrong with a reason as typed, in the schema's words; null when it will do. */
export const reasonProblem = (reason: string): string | null =>
  ReasonSchema.safeParse(reason).error?.issues[0]?.message ?? null;
