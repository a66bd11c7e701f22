import { z } from 'zod';
import { PERMISSIONS } from '../../common/api/auth.ts';

/** What a helpdesk agent may do unless the organization grants more or less (SPEC §3). */
export const DEFAULT_HELPDESK_PERMISSIONS = [
  'read_accounts',
  'send_link',
  'unlock',
  'end_sessions',
  'resend_mail',
] as const;

/** The curated questions an account may choose from (R33): never a question of the user's own. */
export const DEFAULT_SECURITY_QUESTIONS = [
  'What was the name of your first school?',
  'In what city were you born?',
  'What is the name of the street you grew up on?',
  'What was the make of your first car?',
  'What was the name of your first pet?',
  'What is your oldest cousin’s first name?',
];

/** An organization's policy (SPEC §4); every field has the documented default. */
export const OrganizationPolicySchema = z.object({
  /** Minutes a reset link lives; null: the service default (RESET_LINK_TTL). */
  resetLinkTtlMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .nullable()
    .default(null),
  wrongAnswersPerLink: z.number().int().min(1).max(10).default(3),
  wrongAnswersPerDay: z.number().int().min(1).max(50).default(5),
  lockoutThreshold: z.number().int().min(1).max(100).default(5),
  /** Minutes a lockout lasts; null: until an administrator unlocks. */
  lockoutMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .nullable()
    .default(15),
  resetEmailsPerHour: z.number().int().min(1).max(20).default(3),
  allowSharedLogins: z.boolean().default(true),
  /** Set when the organization moved to an external login service: reset there. */
  externalLoginUrl: z.url().nullable().default(null),
  /** How account holders reach this organization's administrators, as shown in emails. */
  adminContact: z.string().max(500).default('your organization’s administrator'),
  securityQuestions: z.array(z.string().min(5).max(200)).min(1).default(DEFAULT_SECURITY_QUESTIONS),
  adminTotpExempt: z.boolean().default(false),
  idleLockMinutes: z.number().int().min(1).max(240).default(15),
  /** The permissions this organization's helpdesk role carries. */
  helpdeskPermissions: z.array(z.enum(PERMISSIONS)).default([...DEFAULT_HELPDESK_PERMISSIONS]),
});

export type OrganizationPolicy = z.infer<typeof OrganizationPolicySchema>;

/** Reads a stored policy; fields missing from older rows take their defaults. */
export function parsePolicy(json: string): OrganizationPolicy {
  return OrganizationPolicySchema.parse(JSON.parse(json));
}

export function defaultPolicy(): OrganizationPolicy {
  return OrganizationPolicySchema.parse({});
}
