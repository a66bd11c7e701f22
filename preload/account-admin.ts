import { operation } from './operation.ts';

/** Bridge functions of creating, editing and importing accounts (ACCOUNT_ADMIN_IPC), one per operation. */
export const accountAdminBridge = {
  createAccount: operation('createAccount'),
  checkNewUsername: operation('checkNewUsername'),
  editIdentity: operation('editIdentity'),
  setProducts: operation('setProducts'),
  moveAccount: operation('moveAccount'),
  chooseImportFile: operation('chooseImportFile'),
  previewImport: operation('previewImport'),
  runImport: operation('runImport'),
  saveImportReport: operation('saveImportReport'),
};
