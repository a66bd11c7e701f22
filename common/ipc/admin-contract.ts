/**
 * IPC operations of the administrators' screens (issue 5): holders, roles, organization policy,
 * converting shared logins. Spread into `IPC` (contract.ts).
 */
export const ADMIN_IPC = {} as const;
