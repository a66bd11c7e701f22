import type { IpcEvent } from '../common/ipc/contract.ts';
import { AccountClient } from './account-client.ts';
import type { ApiNetwork } from './api-network.ts';
import { SecretClipboard, type ClipboardLike } from './clipboard.ts';
import {
  ConnectionProfiles,
  type ConnectionProfile,
  type MachineConfig,
  type ProfileStore,
} from './connections.ts';
import { createHandlers } from './handlers.ts';
import type { FileFilter } from './handler-context.ts';
import { IdleLock } from './idle-lock.ts';
import { gateOnMinimumVersion } from './installation-handlers.ts';
import { InstallationState, type SettingsStore } from './installation-state.ts';
import type { IpcHandlers } from './ipc.ts';
import { silentLog, type Log } from './log.ts';
import { SessionVault, type SafeStorageLike, type SessionStore } from './session-vault.ts';
import type { Timers } from './timers.ts';

/** Everything the console's main process needs from outside; Electron's objects fit. */
export interface ConsoleDeps {
  store: ProfileStore & SessionStore & SettingsStore;
  safeStorage: SafeStorageLike;
  clipboard: ClipboardLike;
  machine: MachineConfig;
  /** Chromium's network for the account services (`createApiNetwork` over an Electron session). */
  network: ApiNetwork;
  /** Main's log file (nothing is kept without one). */
  log?: Log;
  /** The About view's facts; a development run's by default. */
  installation?: InstallationState;
  /** Sends an event to the window (`webContents.send(EVENT_CHANNEL, …)`). */
  emit: (event: IpcEvent) => void;
  /** Asks where to save a file (Electron's save dialog); null when cancelled. None: saving is refused. */
  chooseSavePath?: (defaultName: string) => Promise<string | null>;
  /** Asks which file to open (Electron's open dialog); null when cancelled. None: opening is refused. */
  chooseOpenPath?: (filter: FileFilter) => Promise<string | null>;
  now?: () => number;
  timers?: Timers;
  timeoutMs?: number;
}

/** The console's main-process parts, wired: what `main/index.ts` registers, and tests drive. */
export interface ConsoleMain {
  handlers: IpcHandlers;
  vault: SessionVault;
  connections: ConnectionProfiles;
  idle: IdleLock;
  /** The client of a connection (one axios instance each), made on first use. */
  clientFor(profile: ConnectionProfile): AccountClient;
  /** Locks every signed-in connection now. */
  lockAll(): void;
  /** True while a copied secret waits to be cleared (quit waits for `dispose`). */
  secretOnClipboard(): boolean;
  /** On quit: timers stopped, a copied secret cleared. */
  dispose(): Promise<void>;
}

/** Builds the console's main process from its dependencies; nothing here imports Electron. */
export function createConsole(deps: ConsoleDeps): ConsoleMain {
  const now = deps.now ?? Date.now;
  const log = (deps.log ?? silentLog).topic('sessions');
  const vault = new SessionVault(deps.store, deps.safeStorage, now);
  const connections = new ConnectionProfiles(deps.store, deps.machine);
  const nameOf = (id: string) => connections.get(id)?.name ?? 'a removed connection';
  const idle = new IdleLock((connectionId) => {
    if (!vault.lock(connectionId)) return;
    log.info(`${nameOf(connectionId)}: locked (idle lock)`);
    deps.emit({ type: 'locked', connectionId });
  }, deps.timers);
  const clipboard = new SecretClipboard(deps.clipboard, now, deps.timers);
  const clients = new Map<string, AccountClient>();
  const clientFor = (profile: ConnectionProfile) => {
    let client = clients.get(profile.id);
    if (!client) {
      client = new AccountClient({
        profile,
        vault,
        network: deps.network,
        log: (deps.log ?? silentLog).topic('requests'),
        timeoutMs: deps.timeoutMs,
        onSessionEnded: (connectionId) => {
          log.info(`${nameOf(connectionId)}: the service ended the session; signed out here`);
          idle.disarm(connectionId);
          deps.emit({ type: 'session-expired', connectionId });
        },
      });
      clients.set(profile.id, client);
    }
    return client;
  };
  const installation =
    deps.installation ??
    new InstallationState({
      version: '0.0.0-development',
      platform: process.platform,
      arch: process.arch,
      install: { scope: 'development', kind: 'development run', location: process.cwd() },
      machine: deps.machine,
      store: deps.store,
    });
  const all = createHandlers({
    connections,
    vault,
    idle,
    clipboard,
    clientFor,
    dropClient: (id) => clients.delete(id),
    emit: deps.emit,
    log,
    installation,
    chooseSavePath: deps.chooseSavePath ?? (async () => null),
    chooseOpenPath: deps.chooseOpenPath ?? (async () => null),
  });
  const handlers = gateOnMinimumVersion(all, installation);
  return {
    handlers,
    vault,
    connections,
    idle,
    clientFor,
    lockAll: () => idle.lockAll(),
    secretOnClipboard: () => clipboard.waiting,
    dispose: async () => {
      idle.dispose();
      await clipboard.dispose();
    },
  };
}
