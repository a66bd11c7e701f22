import { BrowserWindow, shell, type Session, type WebContents } from 'electron';
import { APP_URL, isAppUrl } from './app-protocol.ts';
import { CONTENT_SECURITY_POLICY } from './content-security-policy.ts';

/**
 * Session-wide rules: the CSP on every response (R100) and every permission denied, asked or
 * checked (R98: Electron grants all of them when no handler is set).
 */
export function hardenSession(session: Session): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers = Object.fromEntries(
      Object.entries(details.responseHeaders ?? {}).filter(
        ([name]) => name.toLowerCase() !== 'content-security-policy',
      ),
    );
    callback({
      responseHeaders: { ...headers, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] },
    });
  });
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

/**
 * A link may leave the app only as an https: address whose host is one the console knows (a
 * connection's service), and only into the system browser (R107).
 */
export function isAllowedExternalUrl(url: string, allowedHosts: ReadonlySet<string>): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return (
    parsed.protocol === 'https:' &&
    parsed.username === '' &&
    parsed.password === '' &&
    allowedHosts.has(parsed.host.toLowerCase())
  );
}

const hardened = new WeakSet<WebContents>();

/**
 * Per-window rules: no new windows (R106), no navigation away from the app (R105), no webviews
 * (R104). An allowed link opens in the system browser instead.
 */
export function hardenContents(
  contents: WebContents,
  allowedHosts: () => ReadonlySet<string>,
): void {
  // Called for the window and again from `web-contents-created`: the rules go on once.
  if (hardened.has(contents)) return;
  hardened.add(contents);
  const openOutside = (url: string) => {
    if (isAllowedExternalUrl(url, allowedHosts())) void shell.openExternal(url);
  };
  contents.setWindowOpenHandler(({ url }) => {
    openOutside(url);
    return { action: 'deny' };
  });
  const stayInApp = (event: { preventDefault(): void }, url: string): boolean => {
    if (isAppUrl(url)) return false;
    event.preventDefault();
    return true;
  };
  // A clicked link fires both will-navigate and will-frame-navigate: only the first opens it.
  contents.on('will-navigate', (event) => stayInApp(event, event.url) && openOutside(event.url));
  contents.on('will-frame-navigate', (event) => stayInApp(event, event.url));
  contents.on('will-redirect', (event) => stayInApp(event, event.url));
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

export interface MainWindowOptions {
  preload: string;
  session: Session;
  devTools: boolean;
  allowedHosts: () => ReadonlySet<string>;
}

/**
 * The console's one window, hardened before it loads anything. Its webPreferences are the one
 * place the renderer's powers are set (Electron checklist #2–#12, R95–R104), written out here in
 * the constructor call so electronegativity (scripts/check-electron.ts) reads every value.
 */
export function createMainWindow(o: MainWindowOptions): BrowserWindow {
  const window = new BrowserWindow({
    title: 'Latchkey',
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    show: false,
    backgroundColor: '#ffffff',
    webPreferences: {
      preload: o.preload,
      session: o.session,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      // R117: no DevTools in a packaged build.
      devTools: o.devTools,
    },
  });
  hardenContents(window.webContents, o.allowedHosts);
  window.once('ready-to-show', () => window.show());
  void window.loadURL(APP_URL);
  return window;
}
