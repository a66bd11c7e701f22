import { z } from 'zod';
import {
  DisplayOrderSchema,
  ProductCodeSchema,
  ProductListSchema,
  ProductNameSchema,
  ProductSchema,
  ProductUrlSchema,
} from '../api/products.ts';
import { ProductClientListSchema, RegisteredProductClientSchema } from '../api/product-clients.ts';
import { whyFields } from '../api/why.ts';
import { connectionId, id } from './fields.ts';

/**
 * IPC operations of the Products screen (issue 14): the fields are checked with the admin API's
 * own schemas, so a bad one is named before anything is sent. Spread into `IPC` (contract.ts).
 */
export const PRODUCT_IPC = {
  /** Every product, in display order, each with its ETag. */
  listProducts: { input: z.object({ connectionId }), output: ProductListSchema },
  /** Adds a product (last, or at `displayOrder`). */
  addProduct: {
    input: z.object({
      connectionId,
      code: ProductCodeSchema,
      name: ProductNameSchema,
      url: ProductUrlSchema,
      displayOrder: DisplayOrderSchema.optional(),
      ...whyFields,
    }),
    output: ProductSchema,
  },
  /** Renames, re-addresses or moves a product; `etag` is the one it was read with (If-Match). */
  editProduct: {
    input: z.object({
      connectionId,
      code: id,
      etag: z.string().min(1).max(200),
      name: ProductNameSchema,
      url: ProductUrlSchema,
      displayOrder: DisplayOrderSchema,
      ...whyFields,
    }),
    output: ProductSchema,
  },
  /** A product's registered OpenID Connect clients (never their secrets). */
  listProductClients: {
    input: z.object({ connectionId, code: id }),
    output: ProductClientListSchema,
  },
  /**
   * Registers a client of a product; the service checks the addresses (and names the field). A
   * confidential client's secret comes back in this answer only.
   */
  addProductClient: {
    input: z.object({
      connectionId,
      code: id,
      redirectUris: z.array(z.string().max(2000)).max(20),
      backchannelLogoutUri: z.string().max(2000).optional(),
      public: z.boolean(),
      ...whyFields,
    }),
    output: RegisteredProductClientSchema,
  },
  /** Removes a product's client: its codes and tokens stop working. */
  removeProductClient: {
    input: z.object({ connectionId, code: id, clientId: z.string().min(1).max(200), ...whyFields }),
    output: z.object({ removed: z.string() }),
  },
} as const;
