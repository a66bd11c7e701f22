import { z } from 'zod';

const secret = (what: string) =>
  z.string().min(1, `Enter the ${what}.`).max(1024, `The ${what} is too long.`);

/** POST /api/v1/auth/sign-in */
export const AdminSignInSchema = z.object({
  username: z.string().trim().min(1, 'Enter the username.').max(320),
  password: secret('password'),
  /** A six-digit code from the authenticator app, or a recovery code. */
  totp: z.string().trim().max(32).optional(),
});
export type AdminSignIn = z.infer<typeof AdminSignInSchema>;

/** POST /api/v1/auth/totp/enrol: starts enrolment; answers the secret once. */
export const TotpEnrolSchema = z.object({
  username: z.string().trim().min(1, 'Enter the username.').max(320),
  password: secret('password'),
});

/** POST /api/v1/auth/totp/confirm: the first code proves the app holds the secret. */
export const TotpConfirmSchema = TotpEnrolSchema.extend({
  totp: z
    .string()
    .trim()
    .regex(/^\d{6}$/, 'Enter the six-digit code from the authenticator app.'),
});

export const TotpEnrolmentSchema = z.object({
  /** otpauth:// URI, ready for a QR code. */
  otpauthUri: z.string(),
  secret: z.string(),
  /** One-time recovery codes, shown once. */
  recoveryCodes: z.array(z.string()),
});

export const RoleSchema = z.enum(['helpdesk', 'administrator', 'super_admin']);
export type Role = z.infer<typeof RoleSchema>;

export const PERMISSIONS = [
  'read_accounts',
  'send_link',
  'unlock',
  'end_sessions',
  'resend_mail',
  'set_password',
  'clear_question',
  'manage_shared',
  'disable',
  'manage_roles',
  'edit_policy',
  'read_audit',
  // Account administration (issue 16), separate so an organization can give its helpdesk
  // "edit identity" without "create"; none is in the default helpdesk policy.
  'create_accounts',
  'edit_identity',
  'manage_product_access',
  'import_accounts',
] as const;
export const PermissionSchema = z.enum(PERMISSIONS);
export type Permission = z.infer<typeof PermissionSchema>;

/** What the signed-in administrator may do where: the console mirrors it, the server enforces it. */
export const AdminIdentitySchema = z.object({
  accountId: z.string(),
  username: z.string(),
  name: z.string(),
  superAdmin: z.boolean(),
  grants: z.array(
    z.object({
      role: RoleSchema,
      organizationId: z.string().nullable(),
      organizationName: z.string().nullable(),
      permissions: z.array(PermissionSchema),
    }),
  ),
  /** Minutes of inactivity before the console locks (the strictest organization's policy). */
  idleLockMinutes: z.number().int(),
});
export type AdminIdentity = z.infer<typeof AdminIdentitySchema>;

export const TokenPairSchema = z.object({
  accessToken: z.string(),
  refreshToken: z.string(),
  /** Seconds until the access token expires. */
  expiresIn: z.number().int(),
  admin: AdminIdentitySchema,
});
export type TokenPair = z.infer<typeof TokenPairSchema>;

/** POST /api/v1/auth/refresh and /auth/sign-out */
export const RefreshSchema = z.object({ refreshToken: z.string().min(1).max(200) });
