import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AdminIdentity } from '../../common/api/auth.ts';
import { API } from '../../common/api/routes.ts';
import type { ServiceContext } from '../context.ts';
import {
  createProduct,
  listProducts,
  mayManageProducts,
  updateProduct,
  type ProductActor,
} from '../domain/products.ts';
import { ProductError } from '../domain/product-checks.ts';
import { ApiProblem } from './api-problem.ts';
import { bind } from './bind.ts';

/** A refused product change as the API's error: its code, its field, and the product now on a 412. */
async function answered<T>(work: Promise<T>): Promise<T> {
  return work.catch((error: unknown) => {
    if (!(error instanceof ProductError)) throw error;
    throw new ApiProblem(
      error.code,
      error.message,
      error.field,
      error.current ? { current: error.current } : undefined,
    );
  });
}

/** Only a super-administrator adds or changes products; the refusal is audited by `bind` (R67). */
function actorOf(
  admin: AdminIdentity,
  request: FastifyRequest,
  why: { reason: string; ticket?: string | undefined },
): ProductActor {
  if (!mayManageProducts(admin))
    throw new ApiProblem('forbidden', 'Only a super-administrator adds or changes products.');
  return { actor: admin.accountId, ip: request.ip, reason: why.reason, ticket: why.ticket };
}

/** Products (issue 14): listed for anyone signed in, added and changed by super-administrators. */
export function productRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  bind(app, ctx, API.products, async () => ({ items: await listProducts(ctx.db) }));

  bind(app, ctx, API.addProduct, async ({ body, admin, request, reply }) => {
    const { reason, ticket, ...product } = body;
    const by = actorOf(admin, request, { reason, ticket });
    const created = await answered(createProduct(ctx, product, by));
    reply.header('etag', created.etag);
    return created;
  });

  bind(app, ctx, API.editProduct, async ({ params, body, admin, request, reply }) => {
    const { reason, ticket, ...fields } = body;
    const by = actorOf(admin, request, { reason, ticket });
    const ifMatch = request.headers['if-match'];
    const product = await answered(
      updateProduct(
        ctx,
        {
          code: params.code,
          ifMatch: typeof ifMatch === 'string' && ifMatch.length > 0 ? ifMatch : undefined,
          fields,
        },
        by,
      ),
    );
    reply.header('etag', product.etag);
    return product;
  });
}
