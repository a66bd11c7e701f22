import type { ADMIN_IPC } from '../common/ipc/admin-contract.ts';
import { API } from '../common/api/routes.ts';
import type { HandlerContext, HandlersOf } from './handler-context.ts';
import { etagOf } from '../common/api/etags.ts';

/** If-Match with the version seen and the dialog's Idempotency-Key. */
const concurrency = (input: { version: number; idempotencyKey: string }) => ({
  'if-match': etagOf(input.version),
  'idempotency-key': input.idempotencyKey,
});

/** Why, the ticket and the caller's verification, each only when given. */
const why = (input: {
  reason: string;
  ticket?: string | undefined;
  verificationId?: string | undefined;
}) => ({
  reason: input.reason,
  ...(input.ticket ? { ticket: input.ticket } : {}),
  ...(input.verificationId ? { verificationId: input.verificationId } : {}),
});

/** The administrators' operations: holders, roles, organization policy, converting shared logins. */
export function createAdminHandlers(ctx: HandlerContext): HandlersOf<typeof ADMIN_IPC> {
  return {
    setHolders: async (input) =>
      ctx.client(input.connectionId).call(API.setHolders, {
        params: { id: input.accountId },
        body: { ...why(input), holders: input.holders },
        headers: concurrency(input),
      }),

    conversionPlan: async ({ connectionId, accountId }) =>
      ctx.client(connectionId).call(API.conversionPlan, { params: { id: accountId } }),

    checkUsernames: async ({ connectionId, accountId, usernames }) =>
      ctx.client(connectionId).call(API.checkUsernames, {
        params: { id: accountId },
        body: { usernames },
      }),

    convertSharedLogin: async (input) =>
      ctx.client(input.connectionId).call(API.convertSharedLogin, {
        params: { id: input.accountId },
        body: { ...why(input), usernames: input.usernames },
        headers: concurrency(input),
      }),

    grantRole: async ({ connectionId, accountId, version, role, organizationId, reason }) =>
      ctx.client(connectionId).call(API.grantRole, {
        body: { accountId, role, organizationId, reason },
        headers: { 'if-match': etagOf(version) },
      }),

    revokeRole: async ({ connectionId, accountId, version, role, organizationId, reason }) =>
      ctx.client(connectionId).call(API.revokeRole, {
        body: { accountId, role, organizationId, reason },
        headers: { 'if-match': etagOf(version) },
      }),

    listOrganizations: async ({ connectionId }) => ctx.client(connectionId).call(API.organizations),

    editPolicy: async (input) =>
      ctx.client(input.connectionId).call(API.editPolicy, {
        params: { id: input.organizationId },
        body: { policy: input.policy, ...why(input) },
        headers: { 'if-match': input.etag },
      }),
  };
}
