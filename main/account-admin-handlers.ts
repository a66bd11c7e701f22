import { API } from '../common/api/routes.ts';
import type { ACCOUNT_ADMIN_IPC } from '../common/ipc/account-admin-contract.ts';
import { etagOf } from '../common/api/etags.ts';
import type { HandlerContext, HandlersOf } from './handler-context.ts';
import { createImportHandlers } from './import-handlers.ts';

/** Why and the ticket, the ticket only when given. */
const why = (input: { reason: string; ticket?: string | undefined }) => ({
  reason: input.reason,
  ...(input.ticket ? { ticket: input.ticket } : {}),
});

/** If-Match (the version seen) and one key per dialog, so a retry changes once. */
const guarded = (input: { version: number; idempotencyKey: string }) => ({
  'if-match': etagOf(input.version),
  'idempotency-key': input.idempotencyKey,
});

/** Only the fields given: a field left out stays as it is. */
function given<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}

/** Creating, editing, moving and importing accounts (issue 16); tokens stay in main. */
export function createAccountAdminHandlers(
  ctx: HandlerContext,
): HandlersOf<typeof ACCOUNT_ADMIN_IPC> {
  return {
    createAccount: async ({ connectionId, idempotencyKey, ...input }) =>
      ctx.client(connectionId).call(API.createAccount, {
        body: {
          username: input.username,
          email: input.email,
          name: input.name,
          phone: input.phone,
          organizationId: input.organizationId,
          products: input.products,
          ...why(input),
        },
        headers: { 'idempotency-key': idempotencyKey },
      }),

    checkNewUsername: async ({ connectionId, username, accountId }) =>
      ctx.client(connectionId).call(API.checkUsername, {
        body: { username, ...(accountId ? { accountId } : {}) },
      }),

    editIdentity: async (input) =>
      ctx.client(input.connectionId).call(API.editIdentity, {
        params: { id: input.accountId },
        body: {
          ...given({
            username: input.username,
            email: input.email,
            name: input.name,
            phone: input.phone,
          }),
          ...why(input),
        },
        headers: guarded(input),
      }),

    setProducts: async (input) =>
      ctx.client(input.connectionId).call(API.setProducts, {
        params: { id: input.accountId },
        body: { products: input.products, ...why(input) },
        headers: guarded(input),
      }),

    moveAccount: async (input) =>
      ctx.client(input.connectionId).call(API.moveAccount, {
        params: { id: input.accountId },
        body: { organizationId: input.organizationId, ...why(input) },
        headers: guarded(input),
      }),

    ...createImportHandlers(ctx),
  };
}
