import { z } from 'zod';
import { AccountSearchQuerySchema, AccountSearchResultSchema } from './account-search.ts';
import { AccountViewSchema } from './account-view.ts';
import {
  ACTIONS,
  ActionRequestSchema,
  ActionResultSchema,
  HoldersRequestSchema,
  RoleGrantRequestSchema,
  VerificationCheckSchema,
  VerificationResultSchema,
  VerificationStartSchema,
} from './actions.ts';
import { AuditPageSchema, AuditQuerySchema } from './audit.ts';
import {
  AdminIdentitySchema,
  AdminSignInSchema,
  RefreshSchema,
  TokenPairSchema,
  TotpConfirmSchema,
  TotpEnrolmentSchema,
  TotpEnrolSchema,
} from './auth.ts';
import { route } from './contract.ts';

const AccountParams = z.object({ id: z.string().min(1).max(100) });
const ActionParams = AccountParams.extend({ action: z.enum(ACTIONS) });
const Ok = z.object({ ok: z.literal(true) });

/** The admin API, one entry per operation: the service binds a handler to each, the console's client is typed by them. */
export const API = {
  signIn: route({ method: 'POST', path: '/api/v1/auth/sign-in', tag: 'auth', auth: false, summary: 'Sign in with username, password and TOTP code', body: AdminSignInSchema, response: TokenPairSchema }),
  refresh: route({ method: 'POST', path: '/api/v1/auth/refresh', tag: 'auth', auth: false, summary: 'Rotate the refresh token; reuse of a spent one revokes the family', body: RefreshSchema, response: TokenPairSchema }),
  signOut: route({ method: 'POST', path: '/api/v1/auth/sign-out', tag: 'auth', auth: false, summary: 'Revoke the session (the refresh token’s family)', body: RefreshSchema, response: Ok }),
  enrolTotp: route({ method: 'POST', path: '/api/v1/auth/totp/enrol', tag: 'auth', auth: false, summary: 'Start TOTP enrolment: otpauth URI and one-time recovery codes', body: TotpEnrolSchema, response: TotpEnrolmentSchema }),
  confirmTotp: route({ method: 'POST', path: '/api/v1/auth/totp/confirm', tag: 'auth', auth: false, summary: 'Confirm TOTP enrolment with a first code', body: TotpConfirmSchema, response: Ok }),
  me: route({ method: 'GET', path: '/api/v1/me', tag: 'auth', auth: true, summary: 'Who is signed in and what they may do', response: AdminIdentitySchema }),
  searchAccounts: route({ method: 'GET', path: '/api/v1/accounts', tag: 'accounts', auth: true, summary: 'Search accounts by username, email, name, phone or organization', query: AccountSearchQuerySchema, response: AccountSearchResultSchema }),
  getAccount: route({ method: 'GET', path: '/api/v1/accounts/:id', tag: 'accounts', auth: true, summary: 'The account view, with its ETag', params: AccountParams, response: AccountViewSchema }),
  startVerification: route({ method: 'POST', path: '/api/v1/accounts/:id/verifications', tag: 'verification', auth: true, summary: 'Verify a caller: check a spoken answer, or email a six-digit code', params: AccountParams, body: VerificationStartSchema, response: VerificationResultSchema, status: 201 }),
  checkVerification: route({ method: 'POST', path: '/api/v1/accounts/:id/verifications/:verificationId/check', tag: 'verification', auth: true, summary: 'Check the code the caller reads back', params: AccountParams.extend({ verificationId: z.string().max(100) }), body: VerificationCheckSchema, response: VerificationResultSchema }),
  act: route({ method: 'POST', path: '/api/v1/accounts/:id/actions/:action', tag: 'actions', auth: true, summary: 'Take an action on an account (If-Match required; Idempotency-Key accepted)', params: ActionParams, body: ActionRequestSchema, ifMatch: true, idempotent: true, response: ActionResultSchema }),
  resendMail: route({ method: 'POST', path: '/api/v1/accounts/:id/emails/:mailId/resend', tag: 'actions', auth: true, summary: 'Queue a failed email again', params: AccountParams.extend({ mailId: z.string().max(100) }), body: ActionRequestSchema, ifMatch: true, idempotent: true, response: ActionResultSchema }),
  setHolders: route({ method: 'PUT', path: '/api/v1/accounts/:id/holders', tag: 'actions', auth: true, summary: 'Replace the holders of a shared login', params: AccountParams, body: HoldersRequestSchema, ifMatch: true, idempotent: true, response: ActionResultSchema }),
  grantRole: route({ method: 'POST', path: '/api/v1/roles/grant', tag: 'roles', auth: true, summary: 'Grant a role in an organization', body: RoleGrantRequestSchema, response: Ok }),
  revokeRole: route({ method: 'POST', path: '/api/v1/roles/revoke', tag: 'roles', auth: true, summary: 'Revoke a role in an organization', body: RoleGrantRequestSchema, response: Ok }),
  audit: route({ method: 'GET', path: '/api/v1/audit', tag: 'audit', auth: true, summary: 'Audit events, newest first, keyset-paginated', query: AuditQuerySchema, response: AuditPageSchema }),
};

export type ApiContract = typeof API;
