import { z } from 'zod';
import { whyFields } from './why.ts';
import { route } from './contract.ts';

/** A product's registered OpenID Connect client as the console lists it (never its secret). */
export const ProductClientSchema = z.object({
  clientId: z.string(),
  /** A public client (browser or native app) has no secret and proves itself with PKCE alone. */
  public: z.boolean(),
  redirectUris: z.array(z.string()),
  backchannelLogoutUri: z.string().nullable(),
  createdAt: z.number().int(),
});
export type ProductClient = z.infer<typeof ProductClientSchema>;

/** GET /api/v1/products/:code/clients: the product's clients, oldest first. */
export const ProductClientListSchema = z.object({ items: z.array(ProductClientSchema) });

/**
 * POST /api/v1/products/:code/clients: the registration (each address is checked by the same
 * rules as `client add`: absolute, https or loopback http, no fragment), why, and the ticket.
 */
export const ProductClientCreateSchema = z.strictObject({
  redirectUris: z
    .array(z.string().trim().max(2000, 'Use an address of at most 2000 characters.'))
    .max(20, 'Register at most 20 redirect URIs.'),
  backchannelLogoutUri: z
    .string()
    .trim()
    .max(2000, 'Use an address of at most 2000 characters.')
    .optional(),
  public: z.boolean().optional(),
  ...whyFields,
});
export type ProductClientCreate = z.input<typeof ProductClientCreateSchema>;

/** The client just registered, and its secret: answered here once, never again (hashed at rest). */
export const RegisteredProductClientSchema = z.object({
  client: ProductClientSchema,
  /** Absent for a public client. */
  clientSecret: z.string().optional(),
});
export type RegisteredProductClient = z.infer<typeof RegisteredProductClientSchema>;

/** DELETE /api/v1/products/:code/clients/:clientId: why, and the ticket. */
export const ProductClientRemoveSchema = z.strictObject(whyFields);

const productCode = { code: z.string().min(1).max(100) };

/**
 * Admin API operations of a product's OpenID Connect clients (issue 14), for super-administrators
 * only: the registrations decide which sites may receive sign-ins. Spread into `API` (routes.ts).
 */
export const PRODUCT_CLIENT_ROUTES = {
  productClients: route({
    method: 'GET',
    path: '/api/v1/products/:code/clients',
    tag: 'products',
    auth: true,
    summary: "A product's registered OpenID Connect clients (super-administrators only)",
    params: z.object(productCode),
    response: ProductClientListSchema,
  }),
  addProductClient: route({
    method: 'POST',
    path: '/api/v1/products/:code/clients',
    tag: 'products',
    auth: true,
    summary:
      'Register an OpenID Connect client of a product (super-administrators only); a confidential client’s secret is answered once',
    params: z.object(productCode),
    body: ProductClientCreateSchema,
    response: RegisteredProductClientSchema,
    status: 201,
  }),
  removeProductClient: route({
    method: 'DELETE',
    path: '/api/v1/products/:code/clients/:clientId',
    tag: 'products',
    auth: true,
    summary:
      'Remove a product’s OpenID Connect client (super-administrators only): its codes and tokens stop working',
    params: z.object({ ...productCode, clientId: z.string().min(1).max(200) }),
    body: ProductClientRemoveSchema,
    response: z.object({ removed: z.string() }),
  }),
};
