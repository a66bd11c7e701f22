import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, redactUrl } from '../../service/app.ts';
import { ConfigError, loadConfig } from '../../service/config.ts';
import { issueResetLink } from '../../service/domain/reset-links.ts';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { startTestService, WebClient, type TestService } from '../support/service.ts';

const PASSWORD = 'tulip orbit saddle lantern';
const CSRF_SECRET = 'test-only csrf secret, 32+ characters long';
const HTTPS_ENV = { PUBLIC_URL: 'https://login.example.test', CSRF_SECRET };

const CSP =
  "default-src 'none';style-src 'self';img-src 'self';form-action 'self';frame-ancestors 'none';base-uri 'none'";

/** The headers every answer carries, whoever wrote it (a route, Fastify, or Node's parser). */
function expectSecurityHeaders(headers: Headers, what: string): void {
  const csp = headers.get('content-security-policy')?.replace(/;\s*/g, ';');
  expect(csp, `${what}: CSP`).toBe(CSP);
  expect(headers.get('x-content-type-options'), `${what}: nosniff`).toBe('nosniff');
  expect(headers.get('x-frame-options'), `${what}: frame`).toBe('DENY');
  expect(headers.get('referrer-policy'), `${what}: referrer`).toBe('no-referrer');
  expect(headers.get('cache-control'), `${what}: cache`).toBe('no-store');
  expect(headers.get('cross-origin-opener-policy'), `${what}: COOP`).toBe('same-origin');
  expect(headers.get('permissions-policy'), `${what}: permissions`).toBe(
    'camera=(), microphone=(), geolocation=()',
  );
}

/** The body of a refusal names no framework code or Node message, and never quotes the path. */
function expectOwnWords(body: string, what: string, path = ''): void {
  expect(body, `${what}: no framework code`).not.toMatch(/FST_|ERR_|HPE_|statusCode/);
  if (path) expect(body, `${what}: the path is not echoed`).not.toContain(path);
}

interface RawAnswer {
  status: number;
  headers: Headers;
  body: string;
}

/** Sends bytes as they are over a socket (what fetch refuses to send) and reads the answer. */
function sendRaw(base: string, request: string): Promise<RawAnswer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(Number(port), hostname, () => socket.end(request));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = new Headers();
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
  });
}

async function fetchAnswer(base: string, path: string, init: RequestInit = {}): Promise<RawAnswer> {
  const response = await fetch(new URL(path, base), { redirect: 'manual', ...init });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

let svc: TestService;
let secure: TestService;

beforeAll(async () => {
  svc = await startTestService({ env: { CSRF_SECRET } });
  secure = await startTestService({ env: HTTPS_ENV });
  for (const s of [svc, secure]) {
    const org = await seedOrganization(s.ctx, 'Hardening General');
    await seedAccount(s.ctx, { organizationId: org, username: 'hwalker' });
    await seedAccount(s.ctx, { organizationId: org, username: 'hother' });
  }
});

afterAll(async () => {
  await svc?.close();
  await secure?.close();
});

describe('R19, R80: every answer carries the security headers, in our own words', () => {
  it('R19: a page, the stylesheet and the API carry CSP, nosniff, DENY, no-referrer, COOP and the Permissions-Policy', async () => {
    expectSecurityHeaders((await fetchAnswer(svc.url, '/login')).headers, 'Log In');
    const api = await fetchAnswer(svc.url, '/api/v1/me');
    expect(api.status).toBe(401);
    expectSecurityHeaders(api.headers, 'the API');
    const css = await fetchAnswer(svc.url, '/static/latchkey.css');
    // A route's own Cache-Control stands; everything else is still sent.
    expect(css.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(css.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('R72: an unknown address answers 404 without quoting it, as a page or as the API error', async () => {
    const page = await fetchAnswer(svc.url, '/no-such-page-CANARY');
    expect(page.status).toBe(404);
    expectSecurityHeaders(page.headers, '404 page');
    expectOwnWords(page.body, '404 page', 'CANARY');
    const api = await fetchAnswer(svc.url, '/api/v1/no-such-CANARY');
    expect(api.status).toBe(404);
    expectSecurityHeaders(api.headers, '404 API');
    expect(JSON.parse(api.body)).toEqual({
      error: { code: 'not_found', message: expect.any(String) },
    });
    expectOwnWords(api.body, '404 API', 'CANARY');
  });

  it('R72: a path segment too long (414) and a malformed %-escape (400) are answered before routing, still with the headers and without the path', async () => {
    const long = `CANARY${'x'.repeat(200)}`;
    for (const [path, status, json] of [
      [`/reset/${long}`, 414, false],
      [`/api/v1/accounts/${long}`, 414, true],
      ['/reset/%zzCANARY', 400, false],
      ['/api/v1/accounts/%zzCANARY', 400, true],
    ] as const) {
      const r = await sendRaw(
        svc.url,
        `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      );
      expect(r.status, path).toBe(status);
      expectSecurityHeaders(r.headers, path);
      expectOwnWords(r.body, path, 'CANARY');
      if (json) expect(JSON.parse(r.body).error.code).toBe('validation_failed');
      else expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    }
  });

  it("R80: Node's parser refusals (431 headers too large, 400 malformed) carry the headers and no parser code", async () => {
    const big = `X-Filler: ${'a'.repeat(20_000)}\r\n`;
    for (const [request, status, json] of [
      [`GET /login HTTP/1.1\r\nHost: x\r\n${big}\r\n`, 431, false],
      [`GET /api/v1/me HTTP/1.1\r\nHost: x\r\n${big}\r\n`, 431, true],
      [`GET /login HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n`, 400, false],
      [`GET /reset/CANARY${'x'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431, false],
    ] as const) {
      const r = await sendRaw(svc.url, request);
      const what = `${status} ${json ? 'API' : 'page'}`;
      expect(r.status, what).toBe(status);
      expectSecurityHeaders(r.headers, what);
      expectOwnWords(r.body, what, 'CANARY');
      if (json) expect(JSON.parse(r.body).error.code).toBe('validation_failed');
      else expect(r.body).toContain('<h1');
    }
  });

  it('R80: a malformed body (400), a body too large (413) and an unknown type (415) are refused in our words, pages and API alike', async () => {
    const cases: Array<[string, RequestInit, number]> = [
      [
        '/login',
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"FST' },
        400,
      ],
      ['/login', form({ identifier: 'x'.repeat(70_000) }), 413],
      [
        '/login',
        { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<a/>' },
        415,
      ],
      [
        '/api/v1/auth/sign-in',
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"FST' },
        400,
      ],
      [
        '/api/v1/auth/sign-in',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'x'.repeat(70_000) }),
        },
        413,
      ],
      [
        '/api/v1/auth/sign-in',
        { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<a/>' },
        415,
      ],
    ];
    for (const [path, init, status] of cases) {
      const r = await fetchAnswer(svc.url, path, init);
      const what = `${init.method} ${path} → ${status}`;
      expect(r.status, what).toBe(status);
      expectSecurityHeaders(r.headers, what);
      expectOwnWords(r.body, what);
      if (path.startsWith('/api/'))
        // R68: what could not be parsed is named: the body.
        expect(JSON.parse(r.body)).toEqual({
          error: { code: 'validation_failed', message: expect.any(String), field: 'body' },
        });
      else expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    }
  });
});

describe('R62: HSTS and __Host- cookies exactly when PUBLIC_URL is https', () => {
  it('R62: over http: no Strict-Transport-Security, plain cookie names, no Secure', async () => {
    const r = await fetchAnswer(svc.url, '/login');
    expect(r.headers.get('strict-transport-security')).toBeNull();
    const cookies = r.headers.getSetCookie();
    expect(cookies.some((c) => c.startsWith('lk_csrf='))).toBe(true);
    expect(cookies.some((c) => /__Host-|;\s*Secure/i.test(c))).toBe(false);
  });

  it('R62: over https: HSTS on pages, errors and parser refusals', async () => {
    const hsts = /^max-age=31536000; includeSubDomains$/;
    expect(
      (await fetchAnswer(secure.url, '/login')).headers.get('strict-transport-security'),
    ).toMatch(hsts);
    expect(
      (await fetchAnswer(secure.url, '/nowhere')).headers.get('strict-transport-security'),
    ).toMatch(hsts);
    const raw = await sendRaw(
      secure.url,
      `GET /reset/${'x'.repeat(200)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );
    expect(raw.headers.get('strict-transport-security')).toMatch(hsts);
    const overflow = await sendRaw(
      secure.url,
      `GET / HTTP/1.1\r\nHost: x\r\nX: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    expect(overflow.headers.get('strict-transport-security')).toMatch(hsts);
  });

  it('R62: over https: the CSRF, session and reset cookies are __Host- prefixed, Secure, HttpOnly, Path=/, with no Domain', async () => {
    const seen: string[] = [];
    const client = new WebClient(secure.url);
    const login = await fetchAnswer(secure.url, '/login');
    seen.push(...login.headers.getSetCookie());
    const signIn = await client.post('/login', { identifier: 'hwalker', password: PASSWORD });
    expect(signIn.status).toBe(303);
    seen.push(...signIn.headers.getSetCookie());
    expect(client.cookie('__Host-lk_session')).toBeDefined();

    const account = await secure.ctx.db
      .selectFrom('accounts')
      .selectAll()
      .where('username', '=', 'hother')
      .executeTakeFirstOrThrow();
    const { token } = await issueResetLink(
      secure.ctx.db,
      secure.ctx.clock,
      account,
      'reset',
      account.email,
      60_000,
    );
    const opened = await new WebClient(secure.url).get(`/reset/${token}`);
    expect(opened.status).toBe(303);
    seen.push(...opened.headers.getSetCookie());

    const names = seen.map((c) => c.split('=')[0]);
    expect(names).toEqual(
      expect.arrayContaining(['__Host-lk_csrf', '__Host-lk_session', '__Host-lk_reset']),
    );
    for (const cookie of seen) {
      expect(cookie, cookie.split('=')[0]).toMatch(/^__Host-lk_/);
      expect(cookie).toMatch(/;\s*Secure/i);
      expect(cookie).toMatch(/;\s*HttpOnly/i);
      expect(cookie).toMatch(/;\s*Path=\/(;|$)/i);
      expect(cookie).toMatch(/;\s*SameSite=(Lax|Strict)/i);
      expect(cookie).not.toMatch(/;\s*Domain=/i);
    }
  });

  it('R62: signing out over https clears the __Host- session cookie with the attributes that set it', async () => {
    const client = new WebClient(secure.url);
    await client.post('/login', { identifier: 'hwalker', password: PASSWORD });
    const out = await client.post('/logout', {});
    expect(out.status).toBe(303);
    const cleared = out.headers.getSetCookie().find((c) => c.startsWith('__Host-lk_session='));
    expect(cleared).toMatch(/^__Host-lk_session=;.*Secure/i);
    expect(cleared).toMatch(/Path=\//);
    expect(client.cookie('__Host-lk_session')).toBeUndefined();
  });

  it('an https PUBLIC_URL without CSRF_SECRET stops the service at start, naming the variable', () => {
    expect(() => loadConfig({ PUBLIC_URL: 'https://login.example.test' })).toThrow(ConfigError);
    expect(() => loadConfig({ PUBLIC_URL: 'https://login.example.test' })).toThrow(/CSRF_SECRET/);
    expect(() => loadConfig({ CSRF_SECRET: 'short' })).toThrow(/CSRF_SECRET/);
  });
});

/** A token shaped like the service's but computed without its key, for `secret` and `binding`. */
function unsignedToken(secret: string, binding: string): string {
  const sha = (text: string) => createHash('sha256').update(text).digest('base64url');
  const prefix = `${sha(binding).replace(/-/g, '_')}-abcdefgh`;
  return `${prefix}-${sha(`${prefix}-${secret}`)}`;
}

describe('R71: CSRF tokens are signed with CSRF_SECRET and bound to the browser and its session', () => {
  const refused = (r: { status: number; heading: string }) => {
    expect(r.status).toBe(403);
    expect(r.heading).toBe('Form Expired');
  };

  it('R71: a forged token, the old unsigned double submit and a token made without the key are refused', async () => {
    const client = new WebClient(svc.url);
    const real = await client.csrfToken();
    const secret = client.cookie('lk_csrf') ?? '';
    expect(secret).not.toBe('');
    const forged = real.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    for (const token of [forged, secret, unsignedToken(secret, 'anonymous'), 'A'.repeat(96), '']) {
      refused(
        await client.post(
          '/login',
          { identifier: 'hwalker', password: PASSWORD, _csrf: token },
          { csrf: false },
        ),
      );
    }
    expect(client.cookie('lk_session')).toBeUndefined();
    // The real token, for the same post, is accepted.
    expect(
      (
        await client.post(
          '/login',
          { identifier: 'hwalker', password: PASSWORD, _csrf: real },
          { csrf: false },
        )
      ).status,
    ).toBe(303);
  });

  it("R71: another browser's token is refused (it is bound to that browser's secret cookie)", async () => {
    const other = new WebClient(svc.url);
    const token = await other.csrfToken();
    const client = new WebClient(svc.url);
    await client.get('/login');
    refused(
      await client.post(
        '/login',
        { identifier: 'hwalker', password: PASSWORD, _csrf: token },
        { csrf: false },
      ),
    );
  });

  it("R71: a token minted for one session is refused with another session's cookie, even with the same CSRF cookie", async () => {
    const client = new WebClient(svc.url);
    const anonymous = await client.csrfToken();
    await client.post('/login', { identifier: 'hwalker', password: PASSWORD });
    // Minted before signing in: not valid for the signed-in session (login CSRF cannot carry over).
    refused(await client.post('/logout', { _csrf: anonymous }, { csrf: false }));
    const mine = await client.csrfToken();

    // The same browser secret, but the session cookie of someone else.
    const intruder = new WebClient(svc.url);
    await intruder.post('/login', { identifier: 'hother', password: PASSWORD });
    const swapped = client
      .cookieHeader()
      .replace(/lk_session=[^;]+/, `lk_session=${intruder.cookie('lk_session') ?? ''}`);
    const r = await fetchAnswer(svc.url, '/logout', {
      ...form({ _csrf: mine }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: swapped },
    });
    expect(r.status).toBe(403);
    // With its own session the token works.
    expect((await client.post('/logout', { _csrf: mine }, { csrf: false })).status).toBe(303);
  });

  it("R71: processes sharing CSRF_SECRET accept each other's tokens; a process with another secret does not", async () => {
    const client = new WebClient(svc.url);
    const token = await client.csrfToken();
    const post = (base: string) =>
      fetchAnswer(base, '/login', {
        ...form({ identifier: 'hwalker', password: 'not the password at all', _csrf: token }),
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          cookie: client.cookieHeader(),
        },
      });
    const twin = await buildApp(svc.ctx);
    const stranger = await buildApp({
      ...svc.ctx,
      config: { ...svc.ctx.config, csrfSecret: randomBytes(32).toString('base64url') },
    });
    try {
      const twinUrl = await twin.listen({ port: 0, host: '127.0.0.1' });
      const strangerUrl = await stranger.listen({ port: 0, host: '127.0.0.1' });
      // Past the CSRF check, the wrong password is what refuses it.
      expect((await post(twinUrl)).status).toBe(401);
      expect((await post(strangerUrl)).status).toBe(403);
    } finally {
      await twin.close();
      await stranger.close();
    }
  });
});

describe('R72, R76: request logs redact reset tokens and nothing else', () => {
  const token = 'Qx3_-abcdefghijklmnopqrstuvwxyz0123456789AB';

  it('R72: the emailed link /reset/<token> is redacted, with or without a query', () => {
    expect(token).toHaveLength(43);
    expect(redactUrl(`/reset/${token}`)).toBe('/reset/[redacted]');
    expect(redactUrl(`/reset/${token}?utm=mail`)).toBe('/reset/[redacted]?utm=mail');
    // Anything in the token's place that is not a named step is treated as a token.
    expect(redactUrl('/reset/short')).toBe('/reset/[redacted]');
    expect(redactUrl('/reset/challengeX')).toBe('/reset/[redacted]');
  });

  it('R72: the named steps stay readable', () => {
    for (const path of [
      '/reset/challenge',
      '/reset/password',
      '/reset/done',
      '/reset/challenge?x=1',
      '/login',
      '/forgot-password',
    ])
      expect(redactUrl(path)).toBe(path);
  });
});
