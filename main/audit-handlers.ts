import type { AUDIT_IPC } from '../common/ipc/audit-contract.ts';
import type { HandlerContext, HandlersOf } from './handlers.ts';

/** The Audit screen's operations: query, CSV export to a file the user chooses, chain check. */
export function createAuditHandlers(_ctx: HandlerContext): HandlersOf<typeof AUDIT_IPC> {
  return {};
}
