import { z } from 'zod';
import { ActionRequestSchema, ActionResultSchema } from './actions.ts';
import { route } from './contract.ts';

const AccountParams = z.object({ id: z.string().min(1).max(100) });

/** The username chosen for each holder, by holder id (a holder left out gets the suggestion). */
export const UsernameChoiceSchema = z.record(
  z.string().min(1).max(100),
  z.string().trim().max(64, 'Use at most 64 characters.'),
);
export type UsernameChoice = z.infer<typeof UsernameChoiceSchema>;

/** What one holder gets from a conversion: a personal account, before it exists. */
export const ConversionHolderSchema = z.object({
  holderId: z.string(),
  name: z.string(),
  email: z.string(),
  phone: z.string(),
  isOwner: z.boolean(),
  /** Free now, from the holder's address: `maria.lopez`, else `maria.lopez2`, … */
  suggestedUsername: z.string(),
});

/** GET /accounts/:id/conversion: the holders, suggested usernames and what each will receive. */
export const ConversionPlanSchema = z.object({
  accountId: z.string(),
  username: z.string(),
  /** The account's version (If-Match for the conversion). */
  version: z.number().int(),
  organization: z.string(),
  /** The products every new account gets: the shared login's. */
  products: z.array(z.string()),
  /** How long each emailed set-up link works. */
  inviteValidHours: z.number().int(),
  holders: z.array(ConversionHolderSchema),
});
export type ConversionPlan = z.infer<typeof ConversionPlanSchema>;

/** POST /accounts/:id/conversion/check: are these usernames free and well formed? */
export const UsernameCheckRequestSchema = z.strictObject({ usernames: UsernameChoiceSchema });

/** One holder's username, and what is wrong with it (null: it can be used). */
export const UsernameCheckSchema = z.object({
  items: z.array(
    z.object({ holderId: z.string(), username: z.string(), problem: z.string().nullable() }),
  ),
});
export type UsernameCheck = z.infer<typeof UsernameCheckSchema>;

/** POST /accounts/:id/conversion: why, the ticket, and the chosen usernames. */
export const ConversionRequestSchema = ActionRequestSchema.extend({
  usernames: UsernameChoiceSchema.optional(),
});
export type ConversionRequest = z.infer<typeof ConversionRequestSchema>;

/**
 * Admin API operations of shared logins beyond the generic actions (conversion planning:
 * suggested usernames, clash checks). Spread into `API` (routes.ts).
 */
export const SHARED_LOGIN_ROUTES = {
  conversionPlan: route({
    method: 'GET',
    path: '/api/v1/accounts/:id/conversion',
    tag: 'shared-logins',
    auth: true,
    summary: 'Plan converting a shared login: holders, suggested usernames, what each receives',
    params: AccountParams,
    response: ConversionPlanSchema,
  }),
  checkUsernames: route({
    method: 'POST',
    path: '/api/v1/accounts/:id/conversion/check',
    tag: 'shared-logins',
    auth: true,
    summary: 'Check chosen usernames for a conversion: shape, clashes with accounts and each other',
    params: AccountParams,
    body: UsernameCheckRequestSchema,
    response: UsernameCheckSchema,
  }),
  convertSharedLogin: route({
    method: 'POST',
    path: '/api/v1/accounts/:id/conversion',
    tag: 'shared-logins',
    auth: true,
    summary:
      'Convert a shared login into personal accounts with the chosen usernames (If-Match required; one transaction)',
    params: AccountParams,
    body: ConversionRequestSchema,
    ifMatch: true,
    idempotent: true,
    response: ActionResultSchema,
  }),
};
