import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../context.ts';
import { productNamesInOrder } from '../domain/products.ts';
import { fillFooter, UNFILLED_FOOTER } from './layout.ts';

/**
 * Every page's footer names the configured products in display order (issue 14). They are read
 * once per page, as it is sent: one small query, so a change made by any service process shows
 * on the next page every process serves, with no cache to invalidate. A page sent while the
 * store cannot answer keeps the footer without a list.
 */
export function productFooter(app: FastifyInstance, ctx: ServiceContext): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    if (typeof payload !== 'string' || !payload.includes(UNFILLED_FOOTER)) return payload;
    if (!String(reply.getHeader('content-type') ?? '').startsWith('text/html')) return payload;
    const names = await productNamesInOrder(ctx.db).catch(() => null);
    return names ? fillFooter(payload, names) : payload;
  });
}
