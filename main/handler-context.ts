import type { IpcEvent } from '../common/ipc/contract.ts';
import type { AccountClient } from './account-client.ts';
import type { SecretClipboard } from './clipboard.ts';
import type { ConnectionProfile, ConnectionProfiles } from './connections.ts';
import type { IdleLock } from './idle-lock.ts';
import type { InstallationState } from './installation-state.ts';
import type { IpcHandlers } from './ipc.ts';
import type { Log } from './log.ts';
import type { SessionVault } from './session-vault.ts';

// What every handler file (handlers.ts and the feature files beside it) builds on: apart, so the
// feature files need not import the file that assembles them.

/** What the handlers work with; all main-only. */
export interface HandlerDeps {
  connections: ConnectionProfiles;
  vault: SessionVault;
  idle: IdleLock;
  clipboard: SecretClipboard;
  clientFor: (profile: ConnectionProfile) => AccountClient;
  /** Forgets the client of a removed connection. */
  dropClient: (connectionId: string) => void;
  emit: (event: IpcEvent) => void;
  /** Sign-ins, sign-outs and locks, by connection name (never what was typed). */
  log: Log;
  /** The About view's facts (issue 17). */
  installation: InstallationState;
  /** Asks where to save a file (Electron's save dialog); null when the user cancels. */
  chooseSavePath: (defaultName: string) => Promise<string | null>;
  /** Asks which file to open (Electron's open dialog); null when the user cancels. */
  chooseOpenPath: (filter: FileFilter) => Promise<string | null>;
}

/** The kind of file an open dialog offers (Electron's `FileFilter`). */
export interface FileFilter {
  name: string;
  extensions: string[];
}

/** What feature handler files (admin-handlers.ts, audit-handlers.ts) build on. */
export interface HandlerContext {
  deps: HandlerDeps;
  /** The connection's profile; `not_found` naming `connectionId` when there is none. */
  profile(connectionId: string): ConnectionProfile;
  /** The connection's client (its session, single-flight refresh, plain errors). */
  client(connectionId: string): AccountClient;
}

/** The handlers of the operations a contract file declares. */
export type HandlersOf<T> = Pick<IpcHandlers, keyof T & keyof IpcHandlers>;
