import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { channelOf } from '../../common/ipc/channels.ts';
import { IPC, type IpcOperation } from '../../common/ipc/contract.ts';
import {
  app,
  BrowserWindow,
  FakeWebContents,
  ipcMain,
  Menu,
  powerMonitor,
  protocol,
  session,
} from './fake-electron.ts';

// main/index.ts booted against the fake: what it asks of Electron, in which order.

let window: BrowserWindow;

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'latchkey-boot-'));
  const config = path.join(dir, 'config.json');
  const demo = { name: 'Local demo', url: 'http://127.0.0.1:8787', colour: '#0f766e' };
  writeFileSync(config, JSON.stringify({ connections: [demo] }));
  process.env.LATCHKEY_CONFIG = config;
  await import('../../main/index.ts');
  await vi.waitFor(() => expect(BrowserWindow.created).toHaveLength(1));
  window = BrowserWindow.created[0] as BrowserWindow;
});

type MenuItem = { label?: string; role?: string; accelerator?: string; submenu?: MenuItem[] };
const menuItems = (items: MenuItem[]): MenuItem[] =>
  items.flatMap((i) => [i, ...menuItems(i.submenu ?? [])]);

describe('the main process starting up', () => {
  it('R97, R110: sandbox for every renderer and the app:// scheme, before ready', () => {
    expect(app.sandboxed).toBe(true);
    expect(protocol.privileged).toEqual([
      {
        scheme: 'app',
        privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true },
      },
    ]);
  });

  it('takes the single-instance lock; a second start focuses the window', () => {
    const focus = vi.spyOn(window, 'focus');
    for (const listener of app.listenersOf('second-instance')) (listener as () => void)();
    expect(focus).toHaveBeenCalled();
  });

  it('opens one hardened window on the in-memory session, with the CommonJS preload', () => {
    const prefs = window.options.webPreferences as Record<string, unknown>;
    expect(prefs.preload).toMatch(/[/\\]preload[/\\]index\.cjs$/);
    expect(prefs.session).toBe(session.fromPartition('latchkey'));
    expect(prefs).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false });
    const ses = session.fromPartition('latchkey');
    expect(ses.protocol.handlers.has('app')).toBe(true);
    expect(ses.webRequest.headersListener).toBeTypeOf('function');
    expect(ses.permissionRequest).toBeTypeOf('function');
  });

  it('registers every IPC operation, answering the window and refusing anyone else', async () => {
    expect([...ipcMain.handlers.keys()].sort()).toEqual(
      (Object.keys(IPC) as IpcOperation[]).map(channelOf).sort(),
    );
    const list = ipcMain.handlers.get(channelOf('listConnections'));
    const contents = window.webContents;
    const answer = await list?.({ sender: contents, senderFrame: contents.mainFrame }, {});
    expect(answer).toMatchObject({ ok: true, value: [{ name: 'Local demo', managed: true }] });
    const stranger = new FakeWebContents();
    expect(await list?.({ sender: stranger, senderFrame: stranger.mainFrame }, {})).toMatchObject({
      ok: false,
      code: 'forbidden',
    });
  });

  it('has a menu with shortcuts: Lock Now, the edit keys; no reload', () => {
    const items = menuItems((Menu.current?.template ?? []) as MenuItem[]);
    expect(items).toContainEqual(
      expect.objectContaining({ label: 'Lock Now', accelerator: 'CmdOrCtrl+L' }),
    );
    expect(items.map((i) => i.role)).toEqual(expect.arrayContaining(['editMenu', 'quit']));
    expect(items.map((i) => i.role)).not.toContain('reload');
  });

  it('locks every connection when the screen locks or the computer sleeps', () => {
    for (const event of ['lock-screen', 'suspend']) {
      expect(powerMonitor.listenersOf(event), event).toHaveLength(1);
      expect(() => (powerMonitor.listenersOf(event)[0] as () => void)()).not.toThrow();
    }
  });

  it('R106: any other web contents that appears gets the same rules', () => {
    const contents = new FakeWebContents();
    for (const listener of app.listenersOf('web-contents-created'))
      (listener as (e: unknown, c: unknown) => void)({}, contents);
    expect(contents.windowOpenHandler?.({ url: 'https://evil.test/' })).toEqual({ action: 'deny' });
    expect(contents.listenersOf('will-navigate')).toHaveLength(1);
  });

  it('issue 17: the account services’ and the updater’s requests go through Chromium sessions with the verify proc and the proxy applied', async () => {
    for (const name of ['latchkey-api', 'electron-updater']) {
      const ses = session.fromPartition(name);
      expect(ses.verifyProc, name).toBeTypeOf('function');
      await vi.waitFor(() => expect(ses.proxy, name).toEqual({ mode: 'system' }));
    }
    // Not the window's session: the page's own requests stay app:// only.
    expect(session.fromPartition('latchkey').verifyProc).toBeNull();
  });

  it('issue 17: writes its log file in the platform’s log folder: the start, the policy sources, how it was installed', () => {
    const lines = readFileSync(path.join(app.getPath('logs'), 'latchkey.log'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { topic?: string; message: string });
    expect(lines[0]?.message).toMatch(/^Latchkey 0\.1\.0 started \(/);
    expect(lines).toContainEqual(
      expect.objectContaining({
        topic: 'policy',
        message: expect.stringMatching(/^config-file .*config\.json: applied$/),
      }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({
        message: expect.stringMatching(/^installed development \(development run\)/),
      }),
    );
  });
});
