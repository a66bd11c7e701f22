import { parseArgs } from 'node:util';
import type { ServiceContext } from './context.ts';
import { createProduct, listProducts, type Product } from './domain/products.ts';
import { HOW_TO_ADD_PRODUCTS, ProductError } from './domain/product-checks.ts';

export const PRODUCT_USAGE = `  product add --code CODE --name NAME --url URL [--order N]
                        add a product (last, or at position N); audited as the system
  product list          the products in display order`;

/** The command line's name of each field a refusal can name. */
const FLAGS: Record<string, string> = {
  code: '--code',
  name: '--name',
  url: '--url',
  displayOrder: '--order',
};

const line = (p: Product) =>
  `${p.displayOrder}. ${p.name} (${p.code}) ${p.url || '(no address yet)'}`;

function usage(message: string): number {
  console.error(`${message}\n\n${PRODUCT_USAGE}`);
  return 2;
}

async function add(ctx: ServiceContext, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      code: { type: 'string' },
      name: { type: 'string' },
      url: { type: 'string' },
      order: { type: 'string' },
    },
  });
  const { code, name, url, order } = values;
  if (code === undefined || name === undefined || url === undefined)
    return usage('product add needs --code, --name and --url');
  try {
    const product = await createProduct(
      ctx,
      { code, name, url, ...(order !== undefined ? { displayOrder: Number(order) } : {}) },
      { actor: 'system', ip: null, via: 'cli' },
    );
    const count = (await listProducts(ctx.db)).length;
    console.log(`Added ${product.name} (${product.code}), ${product.displayOrder} of ${count}.`);
    return 0;
  } catch (error) {
    if (!(error instanceof ProductError)) throw error;
    const field = error.field ?? '';
    const flag = FLAGS[field];
    const message = flag ? `${flag}: ${error.message.slice(field.length + 2)}` : error.message;
    console.error(`Refused: ${message}`);
    return 1;
  }
}

async function list(ctx: ServiceContext): Promise<number> {
  const products = await listProducts(ctx.db);
  if (products.length === 0) console.log(`No products yet. ${HOW_TO_ADD_PRODUCTS}`);
  for (const p of products) console.log(line(p));
  return 0;
}

/** `npm run service -- product add|list …` (issue 14). */
export async function productCommand(ctx: ServiceContext, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'add') return add(ctx, rest);
  if (sub === 'list') return list(ctx);
  return usage(sub ? `Unknown product command "${sub}".` : 'product needs add or list.');
}
