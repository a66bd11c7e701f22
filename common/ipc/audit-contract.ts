/** IPC operations of the Audit screen: query, CSV export, chain check. Spread into `IPC` (contract.ts). */
export const AUDIT_IPC = {} as const;
