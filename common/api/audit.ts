import { z } from 'zod';

/** GET /api/v1/audit: filters and a keyset cursor (newest first). */
export const AuditQuerySchema = z.object({
  actor: z.string().max(100).optional(),
  account: z.string().max(100).optional(),
  type: z.string().max(60).optional(),
  organization: z.string().max(100).optional(),
  from: z.coerce.number().int().optional(),
  to: z.coerce.number().int().optional(),
  cursor: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type AuditQuery = z.infer<typeof AuditQuerySchema>;

export const AuditEventSchema = z.object({
  id: z.string(),
  seq: z.number().int(),
  at: z.number().int(),
  type: z.string(),
  accountId: z.string().nullable(),
  organizationId: z.string().nullable(),
  actor: z.string(),
  ip: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
  hash: z.string(),
});

export const AuditPageSchema = z.object({
  items: z.array(AuditEventSchema),
  nextCursor: z.string().nullable(),
});
