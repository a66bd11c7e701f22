// Stands in for `electron` when preload/index.ts is bundled for a plain browser (Chromium
// tests): contextBridge puts the API on window, ipcRenderer.invoke goes through a Playwright
// binding to main's real IPC router in the test process, and events come back through
// `__latchkeyEmit`, which the test calls with page.evaluate.

type Listener = (event: unknown, payload: unknown) => void;

interface HarnessWindow {
  /** JSON text both ways: Playwright's own value serializer takes ~30 ms for a page of results. */
  __latchkeyInvoke?: (channel: string, input: string) => Promise<string>;
  __latchkeyEmit?: (channel: string, payload: unknown) => void;
}

const harness = globalThis as unknown as HarnessWindow;
const listeners = new Map<string, Set<Listener>>();

harness.__latchkeyEmit = (channel, payload) => {
  for (const listener of listeners.get(channel) ?? []) listener({}, payload);
};

export const ipcRenderer = {
  async invoke(channel: string, input: unknown): Promise<unknown> {
    const invoke = harness.__latchkeyInvoke;
    if (!invoke) throw new Error('No IPC binding in this page.');
    return JSON.parse(await invoke(channel, JSON.stringify(input ?? null))) as unknown;
  },
  on(channel: string, listener: Listener): void {
    const set = listeners.get(channel) ?? new Set<Listener>();
    set.add(listener);
    listeners.set(channel, set);
  },
  removeListener(channel: string, listener: Listener): void {
    listeners.get(channel)?.delete(listener);
  },
};

export const contextBridge = {
  /** Like Electron's: the page gets a frozen copy it cannot change under the preload. */
  exposeInMainWorld(key: string, api: Record<string, unknown>): void {
    Object.defineProperty(globalThis, key, { value: Object.freeze({ ...api }), enumerable: true });
  },
};
