/** Bridge functions of the administrators' screens (ADMIN_IPC), one per operation. */
export const adminBridge = {};
