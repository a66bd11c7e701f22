import { fileURLToPath } from 'node:url';
import {
  app,
  clipboard,
  dialog,
  ipcMain,
  Menu,
  powerMonitor,
  protocol,
  safeStorage,
  session,
  type BrowserWindow,
} from 'electron';
import Store from 'electron-store';
import { EVENT_CHANNEL } from '../common/ipc/channels.ts';
import type { IpcEvent } from '../common/ipc/contract.ts';
import { createApiNetwork } from './api-network.ts';
import { openLogFile, type LogFile } from './log-file.ts';
import type { Log } from './log.ts';
import { APP_SCHEME_PRIVILEGES, registerAppProtocol } from './app-protocol.ts';
import { createConsole, type ConsoleMain } from './console.ts';
import { registerIpc, TrustedSenders } from './ipc.ts';
import { installFacts } from './install-facts.ts';
import { InstallationState } from './installation-state.ts';
import type { MachineConfig } from './machine-config.ts';
import { readMachinePolicy } from './policy/machine-policy.ts';
import { menuTemplate } from './menu.ts';
import { updateRights } from './update-rights.ts';
import { startUpdates } from './updates.ts';
import { createMainWindow, hardenContents, hardenSession } from './window.ts';

const PRELOAD = fileURLToPath(new URL('../preload/index.cjs', import.meta.url));
const RENDERER_ROOT = fileURLToPath(new URL('../renderer/', import.meta.url));
/** In memory only (no `persist:`): nothing of the page outlives the process (R114). */
const PARTITION = 'latchkey';
/** The account services' requests: in memory, no cache, apart from the page's session. */
const API_PARTITION = 'latchkey-api';
/** electron-updater's own session (its NET_SESSION_NAME): the same proxy and authorities apply. */
const UPDATER_PARTITION = 'electron-updater';

let window: BrowserWindow | undefined;
let consoleMain: ConsoleMain | undefined;

// Before `ready`: the app:// scheme, the sandbox for every renderer (R97, R110).
protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
app.enableSandbox();
// Tests and `npm start` may keep their state apart; a packaged build never moves it.
if (!app.isPackaged && process.env.LATCHKEY_USER_DATA)
  app.setPath('userData', process.env.LATCHKEY_USER_DATA);

const emit = (event: IpcEvent) => {
  if (window && !window.isDestroyed()) window.webContents.send(EVENT_CHANNEL, event);
};

/** Hosts a link may open in the system browser: the services the console connects to. */
const connectionHosts = () =>
  new Set((consoleMain?.connections.list() ?? []).map((c) => new URL(c.url).host.toLowerCase()));

function openWindow(trusted: TrustedSenders): void {
  const ses = session.fromPartition(PARTITION);
  window = createMainWindow({
    preload: PRELOAD,
    session: ses,
    devTools: !app.isPackaged,
    allowedHosts: connectionHosts,
  });
  trusted.add(window.webContents);
  window.on('closed', () => (window = undefined));
}

/** The log file in the platform's log folder, at the policy's level; the start recorded. */
function openLog(machine: MachineConfig): LogFile {
  const log = openLogFile({
    folder: app.getPath('logs'),
    level: machine.logLevel ?? 'info',
    version: app.getVersion(),
    echo: !app.isPackaged,
  });
  const build = app.isPackaged ? 'packaged' : 'development build';
  log.info(`Latchkey ${app.getVersion()} started (${process.platform} ${process.arch}, ${build})`);
  const policy = log.topic('policy');
  for (const source of machine.policy?.sources ?? [])
    policy.info(`${source.kind} ${source.location}: ${source.state}`);
  // Refused: the Connections and About screens say why too.
  if (machine.problem) policy.error(`machine configuration refused: ${machine.problem}`);
  return log;
}

/** The account services' network, and electron-updater's, with the machine's settings. */
function networkFor(machine: MachineConfig, log: Log) {
  const settings = machine.network ?? {};
  const updaterSession = session.fromPartition(UPDATER_PARTITION, { cache: false });
  createApiNetwork(updaterSession, settings, { log: log.topic('updates') });
  const apiSession = session.fromPartition(API_PARTITION, { cache: false });
  return createApiNetwork(apiSession, settings, { log: log.topic('network') });
}

/** What IT manages here, the log, and how this copy was installed: read before anything starts. */
async function prepare(store: Store<Record<string, unknown>>) {
  const machine = await readMachinePolicy({
    platform: process.platform,
    packaged: app.isPackaged,
    env: process.env,
    userSettings: store.get('settings'),
  });
  const log = openLog(machine);
  const install = installFacts({
    platform: process.platform,
    packaged: app.isPackaged,
    execPath: process.execPath,
    env: process.env,
  });
  log.info(`installed ${install.scope} (${install.kind}) at ${install.location}`);
  const installation = new InstallationState({
    version: app.getVersion(),
    platform: process.platform,
    arch: process.arch,
    install,
    machine,
    store,
    log,
  });
  const blocked = installation.blockedBy();
  if (blocked)
    log
      .topic('policy')
      .error(`this version (${blocked.version}) is below the minimum ${blocked.required}`);
  return { machine, log, install, installation };
}

/** Updates as the policy says (off by default), their states to the About view and the log. */
function updatesFor({ machine, log, install, installation }: Awaited<ReturnType<typeof prepare>>) {
  void startUpdates({
    machine,
    packaged: app.isPackaged,
    platform: process.platform,
    version: app.getVersion(),
    configDir: app.getPath('userData'),
    // Loaded only when IT turned updates on, so nothing else ever reads a feed.
    load: async () => (await import('electron-updater')).autoUpdater,
    rights: () => updateRights({ platform: process.platform, install }),
    report: (status) => installation.setUpdates(status),
    log,
  }).catch((error: unknown) =>
    log
      .topic('updates')
      .error(`could not start (${error instanceof Error ? error.message : error})`),
  );
}

async function start(): Promise<void> {
  const ses = session.fromPartition(PARTITION);
  hardenSession(ses);
  registerAppProtocol(ses, RENDERER_ROOT);
  const store = new Store<Record<string, unknown>>({ name: 'latchkey', configFileMode: 0o600 });
  const prepared = await prepare(store);
  const { machine, log, installation } = prepared;
  const chooseSavePath = async (defaultName: string) => {
    const options = { defaultPath: defaultName };
    const answer = window
      ? await dialog.showSaveDialog(window, options)
      : await dialog.showSaveDialog(options);
    return answer.canceled || !answer.filePath ? null : answer.filePath;
  };
  const chooseOpenPath = async (filter: { name: string; extensions: string[] }) => {
    const options = { properties: ['openFile' as const], filters: [filter] };
    const answer = window
      ? await dialog.showOpenDialog(window, options)
      : await dialog.showOpenDialog(options);
    return answer.canceled ? null : (answer.filePaths[0] ?? null);
  };
  consoleMain = createConsole({
    store,
    safeStorage,
    clipboard,
    machine,
    network: networkFor(machine, log),
    log,
    installation,
    emit,
    chooseSavePath,
    chooseOpenPath,
  });
  const trusted = new TrustedSenders();
  const ipcLog = log.topic('ipc');
  registerIpc(
    ipcMain,
    consoleMain.handlers,
    (event) => trusted.isTrusted(event),
    (message) => ipcLog.warn(message),
  );
  const lockNow = () => consoleMain?.lockAll();
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      menuTemplate({ lockNow, devTools: !app.isPackaged, platform: process.platform }),
    ),
  );
  powerMonitor.on('lock-screen', lockNow);
  powerMonitor.on('suspend', lockNow);
  openWindow(trusted);
  updatesFor(prepared);
  app.on('activate', () => {
    if (!window) openWindow(trusted);
  });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  // Defence in depth: any web contents that ever appears gets the same rules as the window.
  app.on('web-contents-created', (_event, contents) => hardenContents(contents, connectionHosts));
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', (event) => {
    if (!consoleMain?.secretOnClipboard()) return void consoleMain?.dispose();
    // Reading the clipboard is asynchronous: quit again once a copied secret is cleared.
    event.preventDefault();
    void consoleMain.dispose().finally(() => app.quit());
  });
  app
    .whenReady()
    .then(start)
    .catch((error: unknown) => {
      console.error('latchkey: could not start', error instanceof Error ? error.name : error);
      app.quit();
    });
}
