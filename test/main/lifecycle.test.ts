import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { channelOf, IPC, type IpcOperation } from '../../common/ipc/contract.ts';
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
});
