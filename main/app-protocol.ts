import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Session } from 'electron';
import { CONTENT_SECURITY_POLICY } from './content-security-policy.ts';

/** The renderer is served from `app://latchkey/`, never `file://` (R110: a real origin to check). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'latchkey';
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** Registered before `ready`: a standard, secure scheme so ES modules and `'self'` work. */
export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true },
};

/** True when `url` is a page of the app itself (parsed, never compared with `startsWith`). */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}

/**
 * The file inside `root` that an `app://latchkey/…` request names, or undefined when it names
 * anything else: another host, a percent-encoded `..`, a NUL byte (R110).
 */
export function resolveBundlePath(root: string, requestUrl: string): string | undefined {
  if (!isAppUrl(requestUrl)) return undefined;
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(requestUrl).pathname);
  } catch {
    return undefined;
  }
  if (pathname.includes('\0')) return undefined;
  const base = path.resolve(root);
  const file = path.resolve(base, `.${pathname === '/' ? '/index.html' : pathname}`);
  return file.startsWith(base + path.sep) ? file : undefined;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/** Answers one `app://` request from the bundle, with the CSP on every response. */
export async function serveBundleFile(root: string, requestUrl: string): Promise<Response> {
  const file = resolveBundlePath(root, requestUrl);
  const headers = {
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
  };
  if (!file) return new Response('Not found', { status: 404, headers });
  try {
    const body = await readFile(file);
    const type = TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    return new Response(body, { status: 200, headers: { ...headers, 'content-type': type } });
  } catch {
    return new Response('Not found', { status: 404, headers });
  }
}

/** Serves the built renderer on the window's session. */
export function registerAppProtocol(session: Session, rendererRoot: string): void {
  session.protocol.handle(APP_SCHEME, (request) => serveBundleFile(rendererRoot, request.url));
}
