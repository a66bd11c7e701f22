import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { channelOf, EVENT_CHANNEL } from '../../common/ipc/channels.ts';
import type { IpcEvent } from '../../common/ipc/contract.ts';
import { serveBundleFile } from '../../main/app-protocol.ts';
import type { ClipboardLike } from '../../main/clipboard.ts';
import { createApiNetwork } from '../../main/api-network.ts';
import { createConsole, type ConsoleMain } from '../../main/console.ts';
import type { InstallationState } from '../../main/installation-state.ts';
import type { MachineConfig } from '../../main/machine-config.ts';
import { dispatch, OPERATIONS, type SenderEvent } from '../../main/ipc.ts';
import type { SafeStorageLike } from '../../main/session-vault.ts';
import { silentLog, type Log } from '../../main/log.ts';
import type { Timers } from '../../main/timers.ts';
import { FakeNetSession } from '../main/fake-net.ts';
import { BROWSER_PATIENCE_MS } from './browser.ts';

/**
 * The console in Chromium, wired as Electron wires it but for the transport: the built renderer
 * over http on 127.0.0.1 (served by main's own bundle handler, CSP header included), the real
 * preload script (bundled with an `electron` shim) and main's real handlers behind main's real
 * router (`dispatch`: sender check, schemas in and out). Playwright's `exposeBinding` carries
 * what Electron's IPC would.
 */

/** electron-store's slice, in memory. */
class MemoryStore {
  private readonly data = new Map<string, unknown>();
  get(key: string): unknown {
    return this.data.get(key);
  }
  set(key: string, value: unknown): void {
    this.data.set(key, structuredClone(value));
  }
}

/** A key store that works (as on a desktop with a keyring). */
const safeStorage: SafeStorageLike = {
  isEncryptionAvailable: () => true,
  encryptString: (text) => Buffer.from(`sealed:${Buffer.from(text).toString('base64')}`),
  decryptString: (sealed) =>
    Buffer.from(sealed.toString().replace(/^sealed:/, ''), 'base64').toString(),
  getSelectedStorageBackend: () => 'gnome_libsecret',
};

/** The system clipboard, observable by the test. */
export class MemoryClipboard implements ClipboardLike {
  text = '';
  async readText(): Promise<string> {
    return this.text;
  }
  async writeText(text: string): Promise<void> {
    this.text = text;
  }
  clear(): void {
    this.text = '';
  }
}

/** Timers the test moves by hand: the idle lock and the clipboard's 30 s, without waiting. */
export class ManualTimers implements Timers {
  private now = 0;
  private seq = 0;
  private readonly due = new Map<number, { at: number; run: () => void }>();

  setTimeout(run: () => void, ms: number): unknown {
    this.seq += 1;
    this.due.set(this.seq, { at: this.now + ms, run });
    return this.seq;
  }

  clearTimeout(handle: unknown): void {
    this.due.delete(handle as number);
  }

  /** Moves time on, running every timer that falls due, in order. */
  advance(ms: number): void {
    this.now += ms;
    const ready = [...this.due]
      .filter(([, t]) => t.at <= this.now)
      .sort((a, b) => a[1].at - b[1].at);
    for (const [id, t] of ready) {
      this.due.delete(id);
      t.run();
    }
  }
}

/** Serves the built renderer on 127.0.0.1 through main's `app://` handler. */
async function serveRenderer(root: string): Promise<{ origin: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'app://latchkey');
    serveBundleFile(root, `app://latchkey${url.pathname}`).then(
      async (response) => {
        res.writeHead(response.status, Object.fromEntries(response.headers));
        res.end(Buffer.from(await response.arrayBuffer()));
      },
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface ConsoleHarness {
  page: Page;
  context: BrowserContext;
  main: ConsoleMain;
  clipboard: MemoryClipboard;
  timers: ManualTimers;
  /** Every IPC call the page made, by operation (never its input: it may hold a password). */
  calls: string[];
  /** How long main took to answer each call (router, handler, service), in call order. */
  durations: Array<{ op: string; ms: number }>;
  /** Every event main sent. */
  events: IpcEvent[];
  /** Main's save dialog: set `answer` to a path to save there (null, the default, cancels). */
  saveDialog: SaveDialog;
  /** Main's open dialog: set `answer` to the file to open (null, the default, cancels). */
  openDialog: OpenDialog;
  /** Opens (or reloads) the console page. */
  open(): Promise<void>;
  close(): Promise<void>;
}

/** The save dialog as a test answers it; `asked` holds every file name it was opened with. */
export interface SaveDialog {
  answer: string | null;
  asked: string[];
}

/** The open dialog as a test answers it; `asked` counts how often it was opened. */
export interface OpenDialog {
  answer: string | null;
  asked: number;
}

export interface HarnessOptions {
  rendererDir: string;
  preloadScript: string;
  viewport?: { width: number; height: number };
  /** Main's log (issue 17); nothing is kept by default. */
  log?: Log;
  /** What IT manages (issue 17); nothing by default. */
  machine?: MachineConfig;
  /** The About view's facts (issue 17); a development run's by default. */
  installation?: InstallationState;
}

/** Starts main's parts, serves the renderer and opens a page with the preload in place. */
export async function startConsole(browser: Browser, o: HarnessOptions): Promise<ConsoleHarness> {
  const server = await serveRenderer(o.rendererDir);
  const clipboard = new MemoryClipboard();
  const timers = new ManualTimers();
  const events: IpcEvent[] = [];
  const calls: string[] = [];
  const durations: Array<{ op: string; ms: number }> = [];
  // The page exists only after main does; events sent before it are kept in `events` only.
  const pageRef: { current?: Page } = {};
  const emit = (event: IpcEvent) => {
    events.push(event);
    void pageRef.current
      ?.evaluate(
        ([channel, payload]) => {
          (
            window as unknown as { __latchkeyEmit?: (c: string, p: unknown) => void }
          ).__latchkeyEmit?.(channel as string, payload);
        },
        [EVENT_CHANNEL, event] as const,
      )
      .catch(() => undefined);
  };
  const saveDialog: SaveDialog = { answer: null, asked: [] };
  const openDialog: OpenDialog = { answer: null, asked: 0 };
  const main = createConsole({
    store: new MemoryStore(),
    safeStorage,
    clipboard,
    machine: o.machine ?? { connections: [], allowUserConnections: true },
    ...(o.installation ? { installation: o.installation } : {}),
    network: createApiNetwork(
      new FakeNetSession(),
      {},
      { log: (o.log ?? silentLog).topic('network') },
    ),
    log: o.log ?? silentLog,
    emit,
    timers,
    chooseSavePath: async (defaultName) => {
      saveDialog.asked.push(defaultName);
      return saveDialog.answer;
    },
    chooseOpenPath: async () => {
      openDialog.asked += 1;
      return openDialog.answer;
    },
  });
  // main/ipc.ts's TrustedSenders, with this server's origin in place of app://latchkey.
  const trusted = (event: SenderEvent) =>
    event.senderFrame !== null &&
    event.senderFrame.parent === null &&
    new URL(event.senderFrame.url).origin === server.origin;

  const context = await browser.newContext({
    viewport: o.viewport ?? { width: 1400, height: 900 },
  });
  context.setDefaultTimeout(BROWSER_PATIENCE_MS);
  const page = await context.newPage();
  pageRef.current = page;
  // JSON text both ways stands in for Electron's structured clone (both well under a
  // millisecond); Playwright's own serializer would add ~30 ms to a page of search results.
  await page.exposeBinding('__latchkeyInvoke', async (source, channel: string, text: string) => {
    const op = OPERATIONS.find((candidate) => channelOf(candidate) === channel);
    if (!op) return JSON.stringify({ ok: false, code: 'bad_input', message: 'Unknown channel.' });
    calls.push(op);
    const event: SenderEvent = {
      sender: { id: 1 },
      senderFrame: { url: source.frame.url(), parent: source.frame.parentFrame() },
    };
    const started = performance.now();
    const answer = await dispatch(
      op,
      main.handlers,
      trusted,
      event,
      JSON.parse(text),
      () => undefined,
    );
    durations.push({ op, ms: performance.now() - started });
    return JSON.stringify(answer);
  });
  await page.addInitScript({ content: o.preloadScript });
  return {
    page,
    context,
    main,
    clipboard,
    timers,
    calls,
    durations,
    events,
    saveDialog,
    openDialog,
    async open() {
      await page.goto(`${server.origin}/index.html`);
    },
    async close() {
      main.dispose();
      await context.close();
      await server.close();
    },
  };
}
