import { API } from '../common/api/routes.ts';
import type { PRODUCT_IPC } from '../common/ipc/product-contract.ts';
import type { HandlerContext, HandlersOf } from './handler-context.ts';

/** Why and the ticket, the ticket only when given. */
const why = (input: { reason: string; ticket?: string | undefined }) => ({
  reason: input.reason,
  ...(input.ticket ? { ticket: input.ticket } : {}),
});

/** The Products screen's operations (issue 14). */
export function createProductHandlers(ctx: HandlerContext): HandlersOf<typeof PRODUCT_IPC> {
  return {
    listProducts: async ({ connectionId }) => ctx.client(connectionId).call(API.products),

    addProduct: async ({ connectionId, code, name, url, displayOrder, ...rest }) =>
      ctx.client(connectionId).call(API.addProduct, {
        body: {
          code,
          name,
          url,
          ...(displayOrder !== undefined ? { displayOrder } : {}),
          ...why(rest),
        },
      }),

    editProduct: async ({ connectionId, code, etag, name, url, displayOrder, ...rest }) =>
      ctx.client(connectionId).call(API.editProduct, {
        params: { code },
        body: { name, url, displayOrder, ...why(rest) },
        headers: { 'if-match': etag },
      }),

    listProductClients: async ({ connectionId, code }) =>
      ctx.client(connectionId).call(API.productClients, { params: { code } }),

    addProductClient: async ({ connectionId, code, backchannelLogoutUri, ...rest }) =>
      ctx.client(connectionId).call(API.addProductClient, {
        params: { code },
        body: {
          redirectUris: rest.redirectUris,
          ...(backchannelLogoutUri ? { backchannelLogoutUri } : {}),
          public: rest.public,
          ...why(rest),
        },
      }),

    removeProductClient: async ({ connectionId, code, clientId, ...rest }) =>
      ctx.client(connectionId).call(API.removeProductClient, {
        params: { code, clientId },
        body: why(rest),
      }),
  };
}
