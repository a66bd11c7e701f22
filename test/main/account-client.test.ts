import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { revokeAccountTokens } from '../../service/domain/admin/api-tokens.ts';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { ADMIN_PASSWORD, seedAdmin } from '../support/admin.ts';
import { startConsoleMain, storeText, type HarnessOptions } from '../support/main-process.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { shownFailure } from '../support/shown-failure.ts';
import { safeStorage } from './fake-electron.ts';

let svc: TestService;
let org: string;
let counter = 0;
const accounts: string[] = [];
const MINUTE = 60_000;

beforeAll(async () => {
  svc = await startTestService();
  org = await seedOrganization(svc.ctx, 'Demo Health', { adminTotpExempt: true });
  for (const username of ['alice.smith', 'alan.jones', 'bob.brown'])
    accounts.push(await seedAccount(svc.ctx, { organizationId: org, username }));
});
afterAll(async () => svc?.close());
afterEach(() => {
  safeStorage.available = true;
});

/** A console signed in to the test service as a fresh administrator. */
async function signedInConsole(options: HarnessOptions = {}) {
  const username = `admin${(counter += 1)}`;
  const adminId = await seedAdmin(svc.ctx, {
    organizationId: org,
    username,
    role: 'administrator',
  });
  const h = startConsoleMain(options);
  const connection = await h.ok('addConnection', {
    name: 'Local',
    url: svc.url,
    colour: '#0f766e',
  });
  const id = connection.id;
  h.watchTokens(id);
  const refreshes: string[] = [];
  const profile = h.main.connections.get(id);
  h.main.clientFor(profile ?? connection).http.interceptors.request.use((config) => {
    if (config.url?.endsWith('/auth/refresh')) refreshes.push(config.url);
    return config;
  });
  await h.ok('signIn', { connectionId: id, username, password: ADMIN_PASSWORD });
  return { h, id, adminId, username, refreshes };
}

/** Rotations the service performed for an administrator (spent refresh tokens). */
async function rotationsOf(accountId: string): Promise<number> {
  const rows = await svc.ctx.db
    .selectFrom('api_tokens')
    .select('id')
    .where('account_id', '=', accountId)
    .where('kind', '=', 'refresh')
    .where('used_at', 'is not', null)
    .execute();
  return rows.length;
}

/** Ten account views asked for at once, as a busy renderer would. */
const tenReads = (h: Awaited<ReturnType<typeof signedInConsole>>['h'], id: string) =>
  Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      h.call('getAccount', { connectionId: id, accountId: accounts[i % accounts.length] ?? '' }),
    ),
  );

describe('the account client', () => {
  it('single-flight: 10 calls after the access token expired make exactly one refresh', async () => {
    const { h, id, adminId, refreshes } = await signedInConsole({ now: () => svc.clock.now() });
    svc.clock.advance(16 * MINUTE);
    const answers = await tenReads(h, id);
    expect(answers.map((a) => a.ok && a.value.username)).toEqual(
      Array.from({ length: 10 }, (_, i) => ['alice.smith', 'alan.jones', 'bob.brown'][i % 3]),
    );
    expect(refreshes).toHaveLength(1);
    expect(await rotationsOf(adminId)).toBe(1);
  });

  it('single-flight: when the service alone knows the token died, ten 401s still make one refresh', async () => {
    // The console's clock says the token is fresh; the service's says it expired.
    const { h, id, adminId, refreshes } = await signedInConsole();
    svc.clock.advance(16 * MINUTE);
    const answers = await tenReads(h, id);
    expect(answers.every((a) => a.ok)).toBe(true);
    expect(refreshes).toHaveLength(1);
    expect(await rotationsOf(adminId)).toBe(1);
    expect(h.events.filter((e) => e.type === 'session-expired')).toEqual([]);
  });

  it('a refresh the service refuses ends the session once: one event, signed out, nothing kept', async () => {
    const { h, id, adminId } = await signedInConsole();
    await revokeAccountTokens(svc.ctx.db, svc.clock, adminId);
    const answers = await tenReads(h, id);
    for (const answer of answers) {
      expect(answer).toEqual({
        ok: false,
        code: 'unauthorized',
        message: 'session_ended',
        reason: { problem: 'session_ended', name: 'Local' },
      });
      expect(await shownFailure(answer)).toBe('Your session with Local has ended. Sign in again.');
    }
    expect(h.events.filter((e) => e.type === 'session-expired')).toEqual([
      { type: 'session-expired', connectionId: id },
    ]);
    expect((await h.ok('listConnections', {}))[0]?.state).toBe('signed_out');
    expect(JSON.parse(storeText(h)).sessions).toEqual({});
    expect(h.main.vault.refreshToken(id)).toBeUndefined();
  });

  it('a 401 with a token just refreshed is genuine: session-expired, signed out', async () => {
    // A disabled administrator: the service still rotates the refresh token, but refuses the call.
    const { h, id, adminId } = await signedInConsole();
    await svc.ctx.db
      .updateTable('accounts')
      .set({ disabled_at: svc.clock.now() })
      .where('id', '=', adminId)
      .execute();
    const answer = await h.call('getAccount', { connectionId: id, accountId: 'x' });
    expect(answer).toMatchObject({ ok: false, code: 'unauthorized', message: 'session_ended' });
    expect(await shownFailure(answer)).toMatch(/has ended/);
    expect(h.events).toContainEqual({ type: 'session-expired', connectionId: id });
    expect(h.main.vault.state(id)).toBe('signed_out');
  });

  it('HTTP errors become their closed code and the service’s plain message', async () => {
    const { h, id } = await signedInConsole();
    expect(await h.call('getAccount', { connectionId: id, accountId: 'no-such-account' })).toEqual({
      ok: false,
      code: 'not_found',
      message: 'No such account, or it is outside your organizations.',
    });
    const wrong = await h.call('signIn', {
      connectionId: id,
      username: 'nobody',
      password: 'nope',
    });
    expect(wrong).toMatchObject({ ok: false, code: 'unauthorized', message: /not right/ });
  });

  it('R115: no sign-in is kept when safeStorage is unavailable; the new session is ended', async () => {
    const username = `admin${(counter += 1)}`;
    const adminId = await seedAdmin(svc.ctx, {
      organizationId: org,
      username,
      role: 'administrator',
    });
    const h = startConsoleMain();
    const { id } = await h.ok('addConnection', { name: 'Local', url: svc.url, colour: '#0f766e' });
    h.watchTokens(id);
    safeStorage.available = false;
    const answer = await h.call('signIn', { connectionId: id, username, password: ADMIN_PASSWORD });
    expect(answer).toMatchObject({
      ok: false,
      code: 'unavailable',
      reason: { problem: 'key_store_unavailable', name: 'Local' },
    });
    expect(await shownFailure(answer)).toMatch(/Ask IT to enable the key store\.$/);
    expect(h.main.vault.state(id)).toBe('signed_out');
    for (const token of h.tokens) expect(storeText(h)).not.toContain(token);
    const live = await svc.ctx.db
      .selectFrom('api_tokens')
      .select('id')
      .where('account_id', '=', adminId)
      .where('revoked_at', 'is', null)
      .execute();
    expect(live).toEqual([]);
  });
});

describe('the account client, offline', () => {
  let silent: Server;
  let proxy: Server;
  beforeAll(async () => {
    silent = createServer(() => undefined); // accepts, never answers
    proxy = createServer((_req, res) =>
      res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>'),
    );
    await Promise.all([listen(silent), listen(proxy)]);
  });
  afterAll(() => {
    silent.closeAllConnections();
    silent.close();
    proxy.close();
  });

  it('a service that cannot be reached answers offline, with a plain message', async () => {
    const closed = createServer();
    const port = await listen(closed);
    closed.close();
    const h = startConsoleMain();
    const { id } = await h.ok('addConnection', {
      name: 'Gone',
      url: `http://127.0.0.1:${port}`,
      colour: '#000000',
    });
    const answer = await h.call('signIn', { connectionId: id, username: 'ann', password: 'pw' });
    expect(answer).toEqual({
      ok: false,
      code: 'offline',
      message: 'net::ERR_CONNECTION_REFUSED',
      network: {
        to: { name: 'Gone', host: `127.0.0.1:${port}`, hostname: '127.0.0.1' },
        error: 'ERR_CONNECTION_REFUSED',
      },
    });
    expect(await shownFailure(answer)).toBe(
      `Cannot reach Gone (127.0.0.1:${port}, net::ERR_CONNECTION_REFUSED). Check the network or the address.`,
    );
  });

  it('a service that does not answer in time answers offline too', async () => {
    const h = startConsoleMain({ timeoutMs: 300 });
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const { id } = await h.ok('addConnection', { name: 'Slow', url, colour: '#000000' });
    const answer = await h.call('signIn', { connectionId: id, username: 'ann', password: 'pw' });
    expect(answer).toEqual({
      ok: false,
      code: 'offline',
      message: 'timed_out',
      reason: { problem: 'timed_out', name: 'Slow' },
    });
    expect(await shownFailure(answer)).toBe('Slow did not answer in time. Try again in a moment.');
  });

  it('an answer that is not the API’s error shape is unavailable, with its status', async () => {
    const h = startConsoleMain();
    const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const { id } = await h.ok('addConnection', { name: 'Proxy', url, colour: '#000000' });
    const answer = await h.call('signIn', { connectionId: id, username: 'ann', password: 'pw' });
    expect(answer).toEqual({
      ok: false,
      code: 'unavailable',
      message: 'http_status',
      reason: { problem: 'http_status', name: 'Proxy', status: 502 },
    });
    expect(await shownFailure(answer)).toBe('Proxy answered HTTP 502.');
  });
});

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}
