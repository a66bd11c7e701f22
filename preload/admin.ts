import { operation } from './operation.ts';

/** Bridge functions of the administrators' screens (ADMIN_IPC), one per operation. */
export const adminBridge = {
  setHolders: operation('setHolders'),
  conversionPlan: operation('conversionPlan'),
  checkUsernames: operation('checkUsernames'),
  convertSharedLogin: operation('convertSharedLogin'),
  grantRole: operation('grantRole'),
  revokeRole: operation('revokeRole'),
  listOrganizations: operation('listOrganizations'),
  editPolicy: operation('editPolicy'),
};
