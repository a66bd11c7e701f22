/** Bridge functions of the Audit screen (AUDIT_IPC), one per operation. */
export const auditBridge = {};
