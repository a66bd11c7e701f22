import type { ADMIN_IPC } from '../common/ipc/admin-contract.ts';
import type { HandlerContext, HandlersOf } from './handlers.ts';

/** The administrators' operations: holders, roles, organization policy, converting shared logins. */
export function createAdminHandlers(_ctx: HandlerContext): HandlersOf<typeof ADMIN_IPC> {
  return {};
}
