import { operation } from './operation.ts';

/** Bridge functions of the Audit screen (AUDIT_IPC), one per operation. */
export const auditBridge = {
  queryAudit: operation('queryAudit'),
  exportAuditCsv: operation('exportAuditCsv'),
  verifyAuditChain: operation('verifyAuditChain'),
};
