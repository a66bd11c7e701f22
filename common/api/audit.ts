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
  /** The actor's username when the actor is an account (not `self` or `system`). */
  actorUsername: z.string().nullable(),
  accountUsername: z.string().nullable(),
  organizationName: z.string().nullable(),
});

export type AuditEvent = z.infer<typeof AuditEventSchema>;

export const AuditPageSchema = z.object({
  items: z.array(AuditEventSchema),
  nextCursor: z.string().nullable(),
});

/**
 * GET /api/v1/audit/verify: the keyed chain checked end to end and against the latest
 * checkpoint of its head (R78). The chain spans every organization, so only a
 * super-administrator is told its length, head and checkpoint, and a break is located (seq,
 * reason) only when the broken event is one the administrator may read.
 */
export const AuditVerificationSchema = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    /** Events in the chain; null when the administrator does not see every organization. */
    events: z.number().int().nullable(),
    head: z.object({ seq: z.number().int(), hash: z.string() }).nullable(),
    /** Events 1…n written before keyed MACs (plain SHA-256); super-administrators only. */
    legacyEvents: z.number().int().optional(),
    /** The checkpoint (noted outside the database) the chain matched; null: none yet. Super-administrators only. */
    checkpoint: z.object({ seq: z.number().int(), at: z.number().int() }).nullable().optional(),
    checkedAt: z.number().int(),
  }),
  z.object({
    ok: z.literal(false),
    /** The first event that does not check out; null when outside the chain or outside scope. */
    seq: z.number().int().nullable(),
    reason: z.string(),
    checkedAt: z.number().int(),
  }),
]);
export type AuditVerificationAnswer = z.infer<typeof AuditVerificationSchema>;
