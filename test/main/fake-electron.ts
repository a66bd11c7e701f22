// The one fake of the `electron` module (Electron Fiddle's tests/mocks/electron.ts, thin): it
// records what main asks of Electron. vitest.config.ts aliases `electron` here for every test.
import { EventEmitter } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FakeNetSession } from './fake-net.ts';

type Listener = (...args: never[]) => unknown;

/** An event emitter whose listeners tests can call by name. */
class Recorder extends EventEmitter {
  /** The listeners registered for `event`, to call as Electron would. */
  listenersOf(event: string): Listener[] {
    return this.listeners(event) as Listener[];
  }
}

let userData: string | undefined;

export const app = Object.assign(new Recorder(), {
  isPackaged: false,
  enableSandbox: () => (app.sandboxed = true),
  sandboxed: false,
  quit: () => (app.quitCalls += 1),
  quitCalls: 0,
  getVersion: () => '0.1.0',
  getName: () => 'Latchkey',
  /** A temporary folder per test process: electron-store writes its file here. */
  getPath: (_name: string) => (userData ??= mkdtempSync(path.join(tmpdir(), 'latchkey-main-'))),
  setPath: (_name: string, value: string) => (userData = value),
  requestSingleInstanceLock: () => true,
  whenReady: () => Promise.resolve(),
});

let nextId = 1;

/** A session: what the window's hardening sets, and the network (fake-net.ts). */
export class FakeSession extends FakeNetSession {
  readonly webRequest = {
    headersListener: undefined as Listener | undefined,
    onHeadersReceived: (listener: Listener) => (this.webRequest.headersListener = listener),
  };
  permissionRequest: Listener | undefined;
  permissionCheck: Listener | undefined;
  readonly protocol = { handlers: new Map<string, Listener>(), handle: this.handle.bind(this) };

  setPermissionRequestHandler(handler: Listener): void {
    this.permissionRequest = handler;
  }
  setPermissionCheckHandler(handler: Listener): void {
    this.permissionCheck = handler;
  }
  private handle(scheme: string, handler: Listener): void {
    this.protocol.handlers.set(scheme, handler);
  }
}

const partitions = new Map<string, FakeSession>();
export const session = {
  defaultSession: new FakeSession(),
  fromPartition: (name: string) => {
    if (!partitions.has(name)) partitions.set(name, new FakeSession());
    return partitions.get(name) as FakeSession;
  },
};

export class FakeWebContents extends Recorder {
  readonly id = nextId++;
  readonly sent: Array<{ channel: string; payload: unknown }> = [];
  windowOpenHandler: ((details: { url: string }) => { action: string }) | undefined;
  /** The top frame, as `event.senderFrame` shows it for messages from this page. */
  readonly mainFrame = { url: 'app://latchkey/index.html', parent: null };

  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }
  send(channel: string, payload: unknown): void {
    this.sent.push({ channel, payload });
  }
}

export class BrowserWindow extends Recorder {
  /** Every window made, with the options it was made with. */
  static readonly created: BrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  loadedUrl: string | undefined;

  constructor(readonly options: Record<string, unknown>) {
    super();
    BrowserWindow.created.push(this);
  }
  static getAllWindows(): BrowserWindow[] {
    return BrowserWindow.created;
  }
  loadURL(url: string): Promise<void> {
    this.loadedUrl = url;
    return Promise.resolve();
  }
  isDestroyed = () => false;
  isMinimized = () => false;
  restore = () => undefined;
  focus = () => undefined;
  show = () => undefined;
}

/** What `ipcMain.handle` listeners receive first: the sender and its frame. */
interface InvokeEvent {
  sender: { id: number };
  senderFrame: { url: string; parent: unknown } | null;
}
type InvokeListener = (event: InvokeEvent, raw: unknown) => unknown;

export const ipcMain = Object.assign(new Recorder(), {
  handlers: new Map<string, InvokeListener>(),
  handle(channel: string, listener: InvokeListener): void {
    if (ipcMain.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    ipcMain.handlers.set(channel, listener);
  },
  removeHandler(channel: string): void {
    ipcMain.handlers.delete(channel);
  },
});

/** Encrypts by XOR so a test can tell the file holds no plain token; switchable availability. */
export const safeStorage = {
  available: true,
  backend: 'gnome_libsecret',
  isEncryptionAvailable: () => safeStorage.available,
  getSelectedStorageBackend: () => safeStorage.backend,
  encryptString: (text: string) => Buffer.from(Buffer.from(text).map((b) => b ^ 0x5a)),
  decryptString: (data: Buffer) => Buffer.from(data.map((b) => b ^ 0x5a)).toString(),
};

export const clipboard = {
  text: '',
  readText: async () => clipboard.text,
  writeText: async (text: string) => void (clipboard.text = text),
  clear: () => void (clipboard.text = ''),
};

/**
 * Electron's file dialogs: a test sets the path the person would choose (null cancels) and reads
 * what main asked.
 */
export const dialog = {
  openAnswer: null as string | null,
  saveAnswer: null as string | null,
  asked: [] as Array<{ kind: 'open' | 'save'; options: unknown }>,
  showOpenDialog: async (...args: unknown[]) => {
    dialog.asked.push({ kind: 'open', options: args.at(-1) });
    const path = dialog.openAnswer;
    return { canceled: path === null, filePaths: path === null ? [] : [path] };
  },
  showSaveDialog: async (...args: unknown[]) => {
    dialog.asked.push({ kind: 'save', options: args.at(-1) });
    const path = dialog.saveAnswer;
    return { canceled: path === null, filePath: path ?? '' };
  },
};

export const shell = {
  opened: [] as string[],
  openExternal: async (url: string) => void shell.opened.push(url),
};

export const Menu = {
  current: undefined as { template: unknown[] } | undefined,
  buildFromTemplate: (template: unknown[]) => ({ template }),
  setApplicationMenu: (menu: { template: unknown[] }) => void (Menu.current = menu),
};

export const protocol = {
  privileged: [] as unknown[],
  registerSchemesAsPrivileged: (schemes: unknown[]) => void protocol.privileged.push(...schemes),
};

export const powerMonitor = new Recorder();

// The preload's side.
export const contextBridge = {
  exposed: new Map<string, unknown>(),
  exposeInMainWorld: (key: string, api: unknown) => void contextBridge.exposed.set(key, api),
};

export const ipcRenderer = Object.assign(new Recorder(), {
  invoked: [] as Array<{ channel: string; args: unknown[] }>,
  invoke: async (channel: string, ...args: unknown[]) => {
    ipcRenderer.invoked.push({ channel, args });
    return { ok: true, value: null };
  },
});

// electron-store does `import electron from 'electron'`.
export default {
  app,
  BrowserWindow,
  clipboard,
  contextBridge,
  ipcMain,
  ipcRenderer,
  Menu,
  powerMonitor,
  protocol,
  safeStorage,
  session,
  shell,
};
