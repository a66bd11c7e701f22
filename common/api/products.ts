import { z } from 'zod';
import { whyFields } from './why.ts';
import { route } from './contract.ts';
import { oneLine } from './text.ts';

/** The largest position a product may take; far more products than any deployment has. */
export const MAX_DISPLAY_ORDER = 1000;

/** A product's code: what imports, accounts and clients name it by; compared in lower case. */
export const ProductCodeSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^[a-z0-9][a-z0-9._-]{0,31}$/,
    'Use 1 to 32 letters, digits, dots (.), underscores (_) or hyphens (-), starting with a letter or digit, such as emresource.',
  );

/** The name people read on the pages ("EMResource"), kept as written. */
export const ProductNameSchema = oneLine(
  z
    .string()
    .trim()
    .min(1, 'Enter the name people know the product by, such as EMResource.')
    .max(60, 'Use a name of at most 60 characters.'),
);

/** Where the product lives; only http(s), since the pages link to it. */
export const ProductUrlSchema = z
  .string()
  .trim()
  .max(2000, 'Use an address of at most 2000 characters.')
  .pipe(
    z.url({
      protocol: /^https?$/,
      message: 'Enter the product’s web address, such as https://emresource.example.org/.',
    }),
  );

/** A position in the list: 1 is first. */
export const DisplayOrderSchema = z
  .number({ message: 'Enter a position: a whole number, 1 for the first.' })
  .int('Enter a position: a whole number, 1 for the first.')
  .min(1, 'Enter a position: 1 for the first.')
  .max(MAX_DISPLAY_ORDER, `Enter a position of at most ${MAX_DISPLAY_ORDER}.`);

/** A new product; without `displayOrder` it goes last. */
export const NewProductSchema = z.strictObject({
  code: ProductCodeSchema,
  name: ProductNameSchema,
  url: ProductUrlSchema,
  displayOrder: DisplayOrderSchema.optional(),
});
export type NewProduct = z.input<typeof NewProductSchema>;

/** A product's editable fields, all of them: renaming, moving and a new address are one edit. */
export const ProductFieldsSchema = z.strictObject({
  name: ProductNameSchema,
  url: ProductUrlSchema,
  displayOrder: DisplayOrderSchema,
});
export type ProductFields = z.infer<typeof ProductFieldsSchema>;

/** A product as the console shows it, with the ETag an edit sends back in If-Match. */
export const ProductSchema = z.object({
  code: z.string(),
  name: z.string(),
  /** Empty for a product an import created, until an administrator sets its address. */
  url: z.string(),
  displayOrder: z.number().int(),
  /** The ETag of the product as read, e.g. `"pr-3f9a…"`. */
  etag: z.string(),
});
export type Product = z.infer<typeof ProductSchema>;

/** GET /api/v1/products: every product, in display order. */
export const ProductListSchema = z.object({ items: z.array(ProductSchema) });

/** POST /api/v1/products: the new product, why, and the ticket. */
export const ProductCreateSchema = NewProductSchema.extend(whyFields);

/** PUT /api/v1/products/:code: every editable field (unchanged ones as read), why, the ticket. */
export const ProductUpdateSchema = ProductFieldsSchema.extend(whyFields);
export type ProductUpdate = z.infer<typeof ProductUpdateSchema>;

/**
 * Admin API operations of products (issue 14): anyone signed in to the console reads them; only
 * a super-administrator adds or changes one. Spread into `API` (routes.ts).
 */
export const PRODUCT_ROUTES = {
  products: route({
    method: 'GET',
    path: '/api/v1/products',
    tag: 'products',
    auth: true,
    summary: 'Every product, in display order, each with its ETag',
    response: ProductListSchema,
  }),
  addProduct: route({
    method: 'POST',
    path: '/api/v1/products',
    tag: 'products',
    auth: true,
    summary: 'Add a product (super-administrators only); without displayOrder it goes last',
    body: ProductCreateSchema,
    response: ProductSchema,
    status: 201,
  }),
  editProduct: route({
    method: 'PUT',
    path: '/api/v1/products/:code',
    tag: 'products',
    auth: true,
    summary:
      'Rename, move or re-address a product (super-administrators only; If-Match with its ETag required)',
    params: z.object({ code: z.string().min(1).max(100) }),
    body: ProductUpdateSchema,
    ifMatch: true,
    response: ProductSchema,
  }),
};
