import { operation } from './operation.ts';

/** Bridge functions of the About view (INSTALLATION_IPC), one per operation. */
export const installationBridge = {
  getInstallation: operation('getInstallation'),
  setLogLevel: operation('setLogLevel'),
};
