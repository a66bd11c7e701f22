import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AdminIdentity } from '../../common/api/auth.ts';
import type { ProductClient } from '../../common/api/product-clients.ts';
import { API } from '../../common/api/routes.ts';
import type { ServiceContext } from '../context.ts';
import { mayManageProducts } from '../domain/products.ts';
import {
  findClient,
  listClients,
  registerClient,
  removeClient,
  type ClientActor,
  type RegisteredClient,
} from '../oidc/clients.ts';
import { notFound } from '../domain/domain-error.ts';
import { ApiProblem } from './api-problem.ts';
import { bind } from './bind.ts';

/** Only a super-administrator sees or changes clients; the refusal is audited by `bind` (R67). */
function actorOf(
  admin: AdminIdentity,
  request: FastifyRequest,
  why?: { reason: string; ticket?: string | undefined },
): ClientActor {
  if (!mayManageProducts(admin))
    throw new ApiProblem(
      'forbidden',
      'Only a super-administrator sees, registers or removes product clients.',
    );
  return { actor: admin.accountId, ip: request.ip, ...why };
}

const shown = (client: RegisteredClient): ProductClient => ({
  clientId: client.clientId,
  public: client.public,
  redirectUris: client.redirectUris,
  backchannelLogoutUri: client.backchannelLogoutUri,
  createdAt: client.createdAt,
});

/** The product with this code, or 404 naming it. */
async function productNamed(ctx: ServiceContext, code: string): Promise<string> {
  const product = await ctx.db
    .selectFrom('products')
    .select('code')
    .where('code', '=', code.trim().toLowerCase())
    .executeTakeFirst();
  if (!product) throw notFound('product');
  return product.code;
}

/** A product's OpenID Connect clients (issue 14): listed, registered and removed by super-administrators. */
export function productClientRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  bind(app, ctx, API.productClients, async ({ params, admin, request }) => {
    actorOf(admin, request);
    const code = await productNamed(ctx, params.code);
    const clients = await listClients(ctx.db);
    return {
      items: clients
        .filter((c) => c.productCode === code)
        .sort((a, b) => a.createdAt - b.createdAt)
        .map(shown),
    };
  });

  bind(app, ctx, API.addProductClient, async ({ params, body, admin, request, reply }) => {
    const by = actorOf(admin, request, { reason: body.reason, ticket: body.ticket });
    const code = await productNamed(ctx, params.code);
    const result = await registerClient(
      ctx.db,
      ctx.clock,
      {
        product: code,
        redirectUris: body.redirectUris,
        backchannelLogoutUri: body.backchannelLogoutUri || undefined,
        public: body.public === true,
      },
      by,
    );
    if (!result.ok) {
      const [first] = result.problems;
      throw new ApiProblem(
        'validation_failed',
        result.problems.map((p) => `${p.field}: ${p.message}`).join(' '),
        first?.field,
      );
    }
    const client = await findClient(ctx.db, result.clientId);
    if (!client) throw new Error('a client just registered is missing');
    reply.header('cache-control', 'no-store');
    return result.clientSecret === undefined
      ? { client: shown(client) }
      : { client: shown(client), clientSecret: result.clientSecret };
  });

  bind(app, ctx, API.removeProductClient, async ({ params, body, admin, request }) => {
    const by = actorOf(admin, request, body);
    const code = await productNamed(ctx, params.code);
    const client = await findClient(ctx.db, params.clientId);
    if (!client || client.productCode !== code) throw notFound('client of this product');
    if (!(await removeClient(ctx.db, ctx.clock, client.clientId, by)))
      throw notFound('client of this product');
    return { removed: client.clientId };
  });
}
