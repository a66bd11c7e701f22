import { z } from 'zod';
import { PERMISSIONS, RoleSchema } from './auth.ts';
import { oneLine } from './text.ts';
import { ReasonSchema, whyFields } from './why.ts';

/**
 * What every action carries: why (and the ticket), and how the caller was verified. Strict: a
 * field the action does not take (a `password` an administrator would choose, R59) is refused,
 * never silently dropped (R68).
 */
export const ActionRequestSchema = z.strictObject({
  ...whyFields,
  /** A matched caller verification; the action uses it up (one verification, one action). */
  verificationId: z.string().max(100).optional(),
  /**
   * reset-shared-login only: the holder on the phone, who receives the shared password and is
   * named to every other holder (SPEC §2). Other actions refuse it.
   */
  holderId: z
    .string()
    .trim()
    .min(1, 'Choose the holder who is on the phone.')
    .max(100, 'Choose the holder who is on the phone.')
    .optional(),
});
export type ActionRequest = z.infer<typeof ActionRequestSchema>;

export const ACTIONS = [
  'send-reset-email',
  'send-username-reminder',
  'unlock',
  'end-sessions',
  'invalidate-links',
  'set-temporary-password',
  'clear-security-question',
  'reset-shared-login',
  'convert-shared-login',
  'disable',
  'enable',
] as const;
export type ActionName = (typeof ACTIONS)[number];

/** One field an administrator's change touched: as it was and as it is (null: none). */
export const FieldChangeSchema = z.object({
  field: z.string(),
  from: z.string().nullable(),
  to: z.string().nullable(),
});
export type FieldChange = z.infer<typeof FieldChangeSchema>;

/** The answer to an action: what was done, in words the console shows as is. */
export const ActionResultSchema = z.object({
  action: z.enum([...ACTIONS, 'resend-mail', 'set-holders']),
  /** e.g. "Reset email queued for a…@example.org, link valid until 14:32 UTC". */
  summary: z.string(),
  version: z.number().int(),
  /**
   * The generated password, returned once: temporary (set-temporary-password) or the shared
   * login's new shared one (reset-shared-login, no expiry).
   */
  temporaryPassword: z.string().optional(),
  temporaryPasswordExpiresAt: z.number().int().optional(),
  linkExpiresAt: z.number().int().optional(),
  mailIds: z.array(z.string()).default([]),
  createdAccounts: z
    .array(z.object({ id: z.string(), username: z.string(), email: z.string() }))
    .optional(),
});
export type ActionResult = z.infer<typeof ActionResultSchema>;

export const ResendMailSchema = ActionRequestSchema;

/** PUT holders of a shared login. */
export const HoldersRequestSchema = ActionRequestSchema.extend({
  holders: z
    .array(
      z.object({
        name: oneLine(z.string().trim().min(1, 'Enter the holder’s name.').max(200)),
        email: z.email('Enter an email address such as name@example.org.'),
        phone: oneLine(z.string().trim().max(40)).default(''),
        isOwner: z.boolean().default(false),
      }),
    )
    .max(50)
    .refine((h) => h.filter((x) => x.isOwner).length <= 1, 'At most one holder can be the owner.'),
});

/** Caller verification: check a spoken answer, or email a six-digit code. */
export const VerificationStartSchema = z.discriminatedUnion('method', [
  z.object({
    method: z.literal('answer'),
    answer: z.string().trim().min(1, 'Type the answer the caller gives.').max(200),
  }),
  z.object({ method: z.literal('email_code') }),
]);
export const VerificationCheckSchema = z.object({
  code: z
    .string()
    .trim()
    .regex(/^\d{6}$/, 'Enter the six digits the caller reads out.'),
});
export const VerificationResultSchema = z.object({
  verificationId: z.string(),
  method: z.enum(['answer', 'email_code']),
  /** match / no_match for answers and checked codes; sent when a code was just emailed. */
  result: z.enum(['match', 'no_match', 'sent']),
  expiresAt: z.number().int(),
  attemptsLeft: z.number().int(),
  /** Masked address the code went to, e.g. a…@example.org. */
  sentTo: z.string().optional(),
});
export type VerificationResult = z.infer<typeof VerificationResultSchema>;

export const RoleGrantRequestSchema = z.object({
  accountId: z.string().max(100),
  role: RoleSchema,
  organizationId: z.string().max(100).nullable(),
  reason: ReasonSchema,
});

export const PermissionListSchema = z.array(z.enum(PERMISSIONS));
