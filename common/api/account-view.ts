import { z } from 'zod';

const time = z.number().int().nullable();

/** Everything of SPEC §3 "Account view" in one answer, with its version for If-Match. */
export const AccountViewSchema = z.object({
  id: z.string(),
  version: z.number().int(),
  username: z.string(),
  email: z.string(),
  name: z.string(),
  phone: z.string(),
  organization: z.object({
    id: z.string(),
    name: z.string(),
    adminContact: z.string(),
    externalLoginUrl: z.string().nullable(),
  }),
  products: z.array(z.object({ code: z.string(), name: z.string() })),
  status: z.object({
    disabled: z.boolean(),
    disabledAt: time,
    locked: z.boolean(),
    lockedAt: time,
    lockedUntil: time,
    /** Why the lock happened, from the audit log: failed sign-ins or wrong answers. */
    lockReason: z.string().nullable(),
    failedAttempts: z.number().int(),
    mustChangePassword: z.boolean(),
    temporaryPasswordExpiresAt: time,
  }),
  lastSignInAt: time,
  passwordChange: z.object({ at: time, how: z.string().nullable(), by: z.string().nullable() }),
  /**
   * Every recorded password change, newest first: when, how (reset, change, invite, temporary)
   * and who (`self`, or the administrator's id and username) — for a shared login, SPEC §2.
   */
  passwordHistory: z.array(
    z.object({
      at: z.number().int(),
      how: z.string(),
      by: z.string(),
      byName: z.string().nullable(),
    }),
  ),
  /** The question's text; the answer never leaves the service (R36). */
  securityQuestion: z.string().nullable(),
  shared: z.boolean(),
  holders: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      email: z.string(),
      phone: z.string(),
      isOwner: z.boolean(),
    }),
  ),
  roles: z.array(z.object({ role: z.string(), organizationId: z.string().nullable() })),
  resetLinks: z.array(
    z.object({
      id: z.string(),
      purpose: z.string(),
      issuedAt: z.number().int(),
      openedAt: time,
      expiresAt: z.number().int(),
      usedAt: time,
      revokedAt: time,
      revokedReason: z.string().nullable(),
      state: z.enum(['outstanding', 'used', 'expired', 'revoked']),
    }),
  ),
  emails: z.array(
    z.object({
      id: z.string(),
      kind: z.string(),
      to: z.string(),
      subject: z.string(),
      queuedAt: z.number().int(),
      status: z.enum(['queued', 'sent', 'failed', 'dropped']),
      attempts: z.number().int(),
      sentAt: time,
      error: z.string().nullable(),
    }),
  ),
  audit: z.array(
    z.object({
      id: z.string(),
      at: z.number().int(),
      type: z.string(),
      actor: z.string(),
      actorName: z.string().nullable(),
      detail: z.record(z.string(), z.unknown()),
    }),
  ),
  /**
   * Back-channel logouts owed to the products (issue 14): every session end tells each product
   * the account signed in to; newest first, with their delivery state. Absent from services that
   * predate single sign-on.
   */
  productLogouts: z
    .array(
      z.object({
        id: z.string(),
        product: z.string(),
        clientId: z.string(),
        queuedAt: z.number().int(),
        status: z.enum(['queued', 'delivered', 'failed']),
        attempts: z.number().int(),
        lastError: z.string().nullable(),
        deliveredAt: time,
        /** When a waiting delivery is tried next (absent from services before it was shown). */
        nextAttemptAt: time.optional(),
      }),
    )
    .optional(),
  /** What a password change would touch: shown before it happens. */
  passwordChangeImpact: z.object({ products: z.array(z.string()), liveSessions: z.number().int() }),
});
export type AccountView = z.infer<typeof AccountViewSchema>;
