import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Store from 'electron-store';
import type {
  IpcEvent,
  IpcInput,
  IpcOperation,
  IpcOutput,
  IpcResult,
} from '../../common/ipc/contract.ts';
import { createApiNetwork } from '../../main/api-network.ts';
import { createConsole, type ConsoleMain } from '../../main/console.ts';
import type { MachineConfig } from '../../main/connections.ts';
import { dispatch, TrustedSenders, type SenderEvent } from '../../main/ipc.ts';
import type { FileFilter } from '../../main/handler-context.ts';
import { silentLog } from '../../main/log.ts';
import type { Timers } from '../../main/timers.ts';
import { clipboard, dialog, FakeWebContents, safeStorage } from '../main/fake-electron.ts';
import { FakeNetSession } from '../main/fake-net.ts';

/** Timers a test moves by hand (the idle lock, the clipboard) while real I/O keeps real time. */
export class ManualTimers implements Timers {
  private time = 0;
  private readonly due = new Map<number, { at: number; callback: () => void }>();
  private nextHandle = 1;

  setTimeout(callback: () => void, ms: number): unknown {
    const handle = this.nextHandle++;
    this.due.set(handle, { at: this.time + ms, callback });
    return handle;
  }

  clearTimeout(handle: unknown): void {
    this.due.delete(handle as number);
  }

  /** Moves time on, running whatever falls due, in order. */
  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const next = [...this.due.entries()]
        .filter(([, t]) => t.at <= until)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (!next) break;
      this.due.delete(next[0]);
      this.time = next[1].at;
      next[1].callback();
    }
    this.time = until;
  }
}

export interface ConsoleHarness {
  main: ConsoleMain;
  /** Every event main sent to the renderer. */
  events: IpcEvent[];
  /** Every IPC answer, in order, as the renderer received it. */
  answers: unknown[];
  /** Every access and refresh token the service issued to this console (see `watchTokens`). */
  tokens: Set<string>;
  timers: ManualTimers;
  /** electron-store's file on disk. */
  storeFile: string;
  /** One IPC call through the router, from the trusted window. */
  call<K extends IpcOperation>(op: K, input: IpcInput<K>): Promise<IpcResult<IpcOutput<K>>>;
  /** One IPC call that must succeed; answers its value. */
  ok<K extends IpcOperation>(op: K, input: IpcInput<K>): Promise<IpcOutput<K>>;
  /** Records the tokens in every response of this connection's client, from now on. */
  watchTokens(connectionId: string): void;
  /** The id of the connection with this name. */
  idOf(name: string): string;
}

export interface HarnessOptions {
  machine?: Partial<MachineConfig>;
  /** The folder electron-store writes to (a fresh one by default; reuse it to "restart"). */
  userData?: string;
  now?: () => number;
  /** The axios timeout of each connection's client. */
  timeoutMs?: number;
  /** The session the clients' requests go through (a fresh fake one by default). */
  netSession?: FakeNetSession;
  /** Main's open dialog (Electron's `dialog.showOpenDialog`): the fake electron's by default. */
  chooseOpenPath?: (filter: FileFilter) => Promise<string | null>;
  /** Main's save dialog (Electron's `dialog.showSaveDialog`): the fake electron's by default. */
  chooseSavePath?: (defaultName: string) => Promise<string | null>;
}

/**
 * The console's main process as the window sees it — the real router, handlers, vault (with the
 * fake safeStorage), electron-store and axios clients — for tests that drive it over IPC
 * without Electron. The renderer's Chromium tests can bind `call` to the page.
 */
export function startConsoleMain(o: HarnessOptions = {}): ConsoleHarness {
  const userData = o.userData ?? mkdtempSync(path.join(tmpdir(), 'latchkey-console-'));
  const store = new Store<Record<string, unknown>>({
    cwd: userData,
    name: 'latchkey',
    configFileMode: 0o600,
  });
  const events: IpcEvent[] = [];
  const answers: unknown[] = [];
  const tokens = new Set<string>();
  const timers = new ManualTimers();
  const machine = { connections: [], allowUserConnections: true, ...o.machine };
  const main = createConsole({
    store,
    safeStorage,
    clipboard,
    machine,
    // Chromium's network, emulated over real sockets (test/main/fake-net.ts).
    network: createApiNetwork(o.netSession ?? new FakeNetSession(), machine.network ?? {}, {
      log: silentLog,
    }),
    emit: (event) => events.push(event),
    timers,
    ...(o.now ? { now: o.now } : {}),
    ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
    chooseOpenPath:
      o.chooseOpenPath ??
      (async (filter) => {
        const answer = await dialog.showOpenDialog({ properties: ['openFile'], filters: [filter] });
        return answer.canceled ? null : (answer.filePaths[0] ?? null);
      }),
    chooseSavePath:
      o.chooseSavePath ??
      (async (defaultName) => {
        const answer = await dialog.showSaveDialog({ defaultPath: defaultName });
        return answer.canceled || !answer.filePath ? null : answer.filePath;
      }),
  });
  const window = new FakeWebContents();
  const trusted = new TrustedSenders();
  trusted.add(window);
  const event: SenderEvent = { sender: window, senderFrame: window.mainFrame };

  const call = async <K extends IpcOperation>(op: K, input: IpcInput<K>) => {
    // Through structured clone, as Electron's IPC carries it.
    const answer = structuredClone(
      await dispatch(op, main.handlers, (e) => trusted.isTrusted(e), event, input),
    );
    answers.push(answer);
    return answer;
  };
  return {
    main,
    events,
    answers,
    tokens,
    timers,
    storeFile: store.path,
    call,
    async ok(op, input) {
      const answer = await call(op, input);
      if (!answer.ok) throw new Error(`${op} failed: ${answer.code}: ${answer.message}`);
      return answer.value;
    },
    watchTokens(connectionId) {
      const profile = main.connections.get(connectionId);
      if (!profile) throw new Error(`no connection ${connectionId}`);
      main.clientFor(profile).http.interceptors.response.use((response) => {
        const body = response.data as { accessToken?: unknown; refreshToken?: unknown };
        for (const token of [body?.accessToken, body?.refreshToken])
          if (typeof token === 'string') tokens.add(token);
        return response;
      });
    },
    idOf(name) {
      const found = main.connections.list().find((c) => c.name === name);
      if (!found) throw new Error(`no connection named ${name}`);
      return found.id;
    },
  };
}

/** The text of electron-store's file, to check what reached the disk. */
export const storeText = (harness: ConsoleHarness): string =>
  readFileSync(harness.storeFile, 'utf8');
