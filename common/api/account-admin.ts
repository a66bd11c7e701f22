import { z } from 'zod';
import { EmailSchema, PersonNameSchema, PhoneSchema, UsernameSchema } from './account-fields.ts';
import { AccountViewSchema } from './account-view.ts';
import { ActionRequestSchema, ActionResultSchema, FieldChangeSchema } from './actions.ts';
import { route } from './contract.ts';
import { ProductCodeSchema } from './products.ts';

const AccountParams = z.object({ id: z.string().min(1).max(100) });

/** Why (and the ticket): every change an administrator makes carries them into the audit log. */
const why = {
  reason: ActionRequestSchema.shape.reason,
  ticket: ActionRequestSchema.shape.ticket,
};

const OrganizationIdSchema = z
  .string({ message: 'Choose an organization.' })
  .trim()
  .min(1, 'Choose an organization.')
  .max(100, 'Choose an organization.');

/** Product codes (e.g. `emtrack`), compared in lower case; an account may have none. */
export const ProductCodeListSchema = z
  .array(ProductCodeSchema)
  .max(100, 'List at most 100 products.')
  .transform((codes) => [...new Set(codes)]);

/**
 * POST /api/v1/accounts: a new personal account. No password: the person is emailed an
 * invitation to Set Up Password (the link the shared-login conversion sends).
 */
export const AccountCreateSchema = z.strictObject({
  username: UsernameSchema,
  email: EmailSchema,
  name: PersonNameSchema,
  phone: PhoneSchema.default(''),
  organizationId: OrganizationIdSchema,
  products: ProductCodeListSchema,
  ...why,
});
export type AccountCreate = z.input<typeof AccountCreateSchema>;

/**
 * PATCH /api/v1/accounts/:id: the identity fields to change (a field left out stays as it is; at
 * least one must be given). A new email address kills the account's outstanding links and is
 * told to both addresses; a new username is told to the account's address.
 */
export const IdentityEditSchema = z
  .strictObject({
    username: UsernameSchema.optional(),
    email: EmailSchema.optional(),
    name: PersonNameSchema.optional(),
    phone: PhoneSchema.optional(),
    ...why,
  })
  .refine(
    (edit) => [edit.username, edit.email, edit.name, edit.phone].some((f) => f !== undefined),
    { message: 'Change at least one of username, email, name or phone.', path: ['username'] },
  );
export type IdentityEdit = z.input<typeof IdentityEditSchema>;

/** PUT /api/v1/accounts/:id/products: the products the account has afterwards, all of them. */
export const ProductAccessSchema = z.strictObject({ products: ProductCodeListSchema, ...why });
export type ProductAccess = z.input<typeof ProductAccessSchema>;

/** PUT /api/v1/accounts/:id/organization: another organization the administrator manages. */
export const OrganizationMoveSchema = z.strictObject({
  organizationId: OrganizationIdSchema,
  ...why,
});
export type OrganizationMove = z.input<typeof OrganizationMoveSchema>;

/** The changes of account administration, answered like the actions. */
export const ACCOUNT_CHANGES = ['edit-identity', 'set-products', 'move-organization'] as const;
export type AccountChange = (typeof ACCOUNT_CHANGES)[number];

/**
 * What a change answers: the action result's summary and new version, and each field changed,
 * before and after, as the audit log records it (no field changed: nothing was written).
 */
export const AccountChangeResultSchema = ActionResultSchema.omit({ action: true }).extend({
  action: z.enum(ACCOUNT_CHANGES),
  changes: z.array(FieldChangeSchema),
});
export type AccountChangeResult = z.infer<typeof AccountChangeResultSchema>;

/** POST /api/v1/accounts/username-check: is this username well formed and free, as typed? */
export const UsernameCheckOneSchema = z.strictObject({
  username: z.string().max(200),
  /** The account being renamed: its own username is no clash. */
  accountId: z.string().max(100).optional(),
});
export const UsernameCheckAnswerSchema = z.object({
  username: z.string(),
  /** What is wrong with it, in words to show under the field; null: it can be used. */
  problem: z.string().nullable(),
});
export type UsernameCheckAnswer = z.infer<typeof UsernameCheckAnswerSchema>;

/**
 * Account administration (issue 16): create, edit identity, product access, move. Each change
 * but create needs If-Match with the account view's ETag (428 without, 412 when stale, with the
 * current view) and answers the action result with `changes` (before and after, as audited) and
 * the new ETag. Spread into `API` (routes.ts).
 */
export const ACCOUNT_ADMIN_ROUTES = {
  createAccount: route({
    method: 'POST',
    path: '/api/v1/accounts',
    tag: 'accounts',
    auth: true,
    summary:
      'Create an account (create_accounts); the person is emailed an invitation to Set Up Password. Answers the view with its ETag',
    body: AccountCreateSchema,
    response: AccountViewSchema,
    status: 201,
  }),
  checkUsername: route({
    method: 'POST',
    path: '/api/v1/accounts/username-check',
    tag: 'accounts',
    auth: true,
    summary: 'Check a username as typed: its shape, and whether another account has it',
    body: UsernameCheckOneSchema,
    response: UsernameCheckAnswerSchema,
  }),
  editIdentity: route({
    method: 'PATCH',
    path: '/api/v1/accounts/:id',
    tag: 'accounts',
    auth: true,
    summary: 'Change username, email, name or phone (edit_identity; If-Match required)',
    params: AccountParams,
    body: IdentityEditSchema,
    ifMatch: true,
    idempotent: true,
    response: AccountChangeResultSchema,
  }),
  setProducts: route({
    method: 'PUT',
    path: '/api/v1/accounts/:id/products',
    tag: 'accounts',
    auth: true,
    summary: 'Replace the products an account may use (manage_product_access; If-Match required)',
    params: AccountParams,
    body: ProductAccessSchema,
    ifMatch: true,
    idempotent: true,
    response: AccountChangeResultSchema,
  }),
  moveAccount: route({
    method: 'PUT',
    path: '/api/v1/accounts/:id/organization',
    tag: 'accounts',
    auth: true,
    summary:
      'Move an account to another organization the administrator manages (edit_identity in the old one, create_accounts in the new one; the power rule in both; If-Match required)',
    params: AccountParams,
    body: OrganizationMoveSchema,
    ifMatch: true,
    idempotent: true,
    response: AccountChangeResultSchema,
  }),
};
