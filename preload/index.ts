import { contextBridge, ipcRenderer } from 'electron';
import { EVENT_CHANNEL } from '../common/ipc/channels.ts';
import type { IpcEvent, IpcOperation } from '../common/ipc/contract.ts';
import { accountAdminBridge } from './account-admin.ts';
import { adminBridge } from './admin.ts';
import { auditBridge } from './audit.ts';
import { installationBridge } from './installation.ts';
import { operation, type Operation } from './operation.ts';
import { productBridge } from './products.ts';

// The renderer's only door to main (R112): one named function per operation, no generic
// `invoke`, no `ipcRenderer`, and event callbacks that never see Electron's event object.
// No Node API here: the same file runs bundled in a plain browser for the Chromium tests.

/** The shape the bridge must have: the compiler flags a missing or an extra operation. */
type Bridge = { [K in IpcOperation]: Operation<K> } & {
  onEvent(callback: (event: IpcEvent) => void): () => void;
};

const api = {
  listConnections: operation('listConnections'),
  getMachineSettings: operation('getMachineSettings'),
  addConnection: operation('addConnection'),
  removeConnection: operation('removeConnection'),
  signIn: operation('signIn'),
  signOut: operation('signOut'),
  unlock: operation('unlock'),
  reportActivity: operation('reportActivity'),
  searchAccounts: operation('searchAccounts'),
  getAccount: operation('getAccount'),
  verifyCaller: operation('verifyCaller'),
  checkCode: operation('checkCode'),
  act: operation('act'),
  resendMail: operation('resendMail'),
  copySecret: operation('copySecret'),
  ...adminBridge,
  ...accountAdminBridge,
  ...auditBridge,
  ...productBridge,
  ...installationBridge,
  /** Subscribes to main's events (session expired, locked, connections changed, export and import progress); answers the unsubscribe. */
  onEvent(callback: (event: IpcEvent) => void): () => void {
    const listener = (_event: unknown, payload: IpcEvent) => callback(payload);
    ipcRenderer.on(EVENT_CHANNEL, listener);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, listener);
    };
  },
} satisfies Bridge;

/** `window.latchkey`'s type: the renderer derives it from here, never copies it by hand. */
export type LatchkeyApi = typeof api;

contextBridge.exposeInMainWorld('latchkey', api);
