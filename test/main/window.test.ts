import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Session } from 'electron';
import { describe, expect, it } from 'vitest';
import { APP_URL, resolveBundlePath, serveBundleFile } from '../../main/app-protocol.ts';
import { CONTENT_SECURITY_POLICY } from '../../main/content-security-policy.ts';
import { createMainWindow, hardenSession, isAllowedExternalUrl } from '../../main/window.ts';
import { BrowserWindow, FakeSession, FakeWebContents, shell } from './fake-electron.ts';

const asSession = (s: FakeSession) => s as unknown as Session;
const HOSTS = new Set(['login.example.org']);

function openWindow(devTools = false) {
  const ses = new FakeSession();
  const window = createMainWindow({
    preload: '/app/out/preload/index.cjs',
    session: asSession(ses),
    devTools,
    allowedHosts: () => HOSTS,
  }) as unknown as BrowserWindow;
  return { window, contents: window.webContents, ses };
}

/** Fires a navigation event as Electron does; answers whether the app prevented it. */
function navigate(contents: FakeWebContents, event: string, url: string): boolean {
  let prevented = false;
  for (const listener of contents.listenersOf(event))
    (listener as (e: unknown) => void)({ url, preventDefault: () => (prevented = true) });
  return prevented;
}

describe('the window', () => {
  it('R95–R104, R117: is made with the hardened webPreferences and loads app://', () => {
    const { window } = openWindow();
    expect(BrowserWindow.created).toContain(window);
    const prefs = window.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      devTools: false,
    });
    expect(prefs).not.toHaveProperty('enableBlinkFeatures');
    expect(window.loadedUrl).toBe(APP_URL);
  });

  it('R117: DevTools only when asked for (development builds)', () => {
    const devTools = (asked: boolean) =>
      (openWindow(asked).window.options.webPreferences as Record<string, unknown>).devTools;
    expect(devTools(false)).toBe(false);
    expect(devTools(true)).toBe(true);
  });

  it('R100: every response carries the strict CSP, replacing one the page sent', () => {
    const ses = new FakeSession();
    hardenSession(asSession(ses));
    let answered: { responseHeaders?: Record<string, string[]> } = {};
    ses.webRequest.headersListener?.(
      {
        url: 'app://latchkey/index.html',
        responseHeaders: {
          'content-security-policy': ["script-src 'unsafe-inline'"],
          'x-other': ['1'],
        },
      } as never,
      ((r: typeof answered) => (answered = r)) as never,
    );
    expect(answered.responseHeaders).toEqual({
      'x-other': ['1'],
      'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
    });
  });

  it('R100: the CSP allows no inline or eval script, no network, no plugins, no framing', () => {
    const directives = new Map(
      CONTENT_SECURITY_POLICY.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]),
    );
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-|\*|http:|https:/);
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual(["'none'"]);
    for (const name of ['object-src', 'base-uri', 'frame-ancestors', 'form-action'])
      expect(directives.get(name), name).toEqual(["'none'"]);
  });

  it('R98: permission requests and checks are denied', () => {
    const ses = new FakeSession();
    hardenSession(asSession(ses));
    for (const permission of ['notifications', 'media', 'geolocation', 'clipboard-read']) {
      let granted: boolean | undefined;
      ses.permissionRequest?.(
        {} as never,
        permission as never,
        ((g: boolean) => (granted = g)) as never,
      );
      expect(granted, permission).toBe(false);
      expect(ses.permissionCheck?.({} as never, permission as never), permission).toBe(false);
    }
  });

  it('R105: navigation away from the app is prevented, by a parsed origin', () => {
    const { contents } = openWindow();
    for (const event of ['will-navigate', 'will-frame-navigate', 'will-redirect']) {
      expect(navigate(contents, event, 'https://example.com.attacker.test/'), event).toBe(true);
      expect(navigate(contents, event, 'app://latchkey.attacker.test/'), event).toBe(true);
      expect(navigate(contents, event, 'file:///etc/passwd'), event).toBe(true);
      expect(navigate(contents, event, 'app://latchkey/index.html'), event).toBe(false);
    }
  });

  it('R107: a known https link followed in the page opens once, outside', () => {
    const { contents } = openWindow();
    shell.opened.length = 0;
    for (const event of ['will-navigate', 'will-frame-navigate'])
      expect(navigate(contents, event, 'https://login.example.org/login')).toBe(true);
    expect(navigate(contents, 'will-navigate', 'https://evil.test/')).toBe(true);
    expect(shell.opened).toEqual(['https://login.example.org/login']);
  });

  it('R104: webviews cannot be attached', () => {
    const { contents } = openWindow();
    expect(navigate(contents, 'will-attach-webview', 'https://example.org/')).toBe(true);
  });

  it('R106, R107: window.open is always denied; only a known https host opens, outside', () => {
    const { contents } = openWindow();
    const before = BrowserWindow.getAllWindows().length;
    shell.opened.length = 0;
    const urls = [
      'file:///C:/Windows/calc.exe',
      'smb://x/share',
      'javascript:alert(1)',
      'https://evil.test/',
      'http://login.example.org/',
      'https://user:pw@login.example.org/',
      'https://login.example.org.evil.test/',
      'https://login.example.org/login',
    ];
    for (const url of urls)
      expect(contents.windowOpenHandler?.({ url })).toEqual({ action: 'deny' });
    expect(shell.opened).toEqual(['https://login.example.org/login']);
    expect(BrowserWindow.getAllWindows().length).toBe(before);
    expect(isAllowedExternalUrl('not a url', HOSTS)).toBe(false);
  });

  it('R110: app:// serves files inside the bundle only', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'latchkey-bundle-'));
    mkdirSync(path.join(root, 'assets'));
    writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>Latchkey</title>');
    writeFileSync(path.join(root, 'assets', 'app.js'), 'export {};');
    expect(resolveBundlePath(root, 'app://latchkey/')).toBe(path.join(root, 'index.html'));
    for (const url of [
      'app://latchkey/../../etc/hosts',
      'app://latchkey/%2e%2e/%2e%2e/etc/hosts',
      'app://latchkey/assets/%2e%2e%2f..%2f..%2fetc%2fhosts',
      'app://latchkey/a%00.js',
      'app://other/index.html',
      'file:///etc/hosts',
    ]) {
      const file = resolveBundlePath(root, url);
      expect(file === undefined || file.startsWith(root + path.sep), url).toBe(true);
      expect((await serveBundleFile(root, url)).status, url).toBe(404);
    }
    const page = await serveBundleFile(root, 'app://latchkey/index.html');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    const script = await serveBundleFile(root, 'app://latchkey/assets/app.js');
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
  });
});
