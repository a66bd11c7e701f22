import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProductClient, RegisteredProductClient } from '../../common/api/product-clients.ts';
import { ApiClient, type ApiResponse } from '../support/admin.ts';
import {
  startProductAdminFixture,
  type ProductAdminFixture,
} from '../support/product-admin-fixture.ts';
import type { TestService } from '../support/service.ts';

// Issue 14: a product's OpenID Connect clients in the admin API. Only a super-administrator
// lists, registers or removes them, with a reason and an audit event; a confidential client's
// secret is answered once; a removed client gets no more tokens (R67, R75).

interface ErrorBody {
  error: { code: string; message: string; field?: string };
}
type Answer = ApiResponse<RegisteredProductClient & ErrorBody>;

const REASON = 'CHG-2050: EMResource moves to its new host';
const CALLBACK = 'https://emresource.example.org/callback';
const LOGOUT = 'https://emresource.example.org/backchannel-logout';
let svc: TestService;
let superId: string;
let superApi: ApiClient;
let adminApi: ApiClient;
let helpdesk: ApiClient;
let helpdeskId: string;
let eventsOfActor: ProductAdminFixture['eventsBy'];

beforeAll(async () => {
  ({
    svc,
    superId,
    superApi,
    adminApi,
    helpdesk,
    helpdeskId,
    eventsBy: eventsOfActor,
  } = await startProductAdminFixture('clients'));
});
afterAll(async () => svc?.close());

const list = (code: string, api = superApi) =>
  api.get<{ items: ProductClient[] } & ErrorBody>(`/api/v1/products/${code}/clients`);
const add = (code: string, body: Record<string, unknown>, api = superApi): Promise<Answer> =>
  api.post(`/api/v1/products/${code}/clients`, body);
const remove = (code: string, clientId: string, api = superApi) =>
  api.request<{ removed: string } & ErrorBody>(
    'DELETE',
    `/api/v1/products/${code}/clients/${encodeURIComponent(clientId)}`,
    { reason: REASON },
  );

const eventsOf = (type: string, actor = superId) => eventsOfActor(actor, type);

/** The token endpoint's answer to a confidential client presenting its secret with a made-up code. */
async function tokenAttempt(clientId: string, secret: string) {
  const response = await fetch(new URL('/oidc/token', svc.url), {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: 'not-a-code-that-was-issued',
      redirect_uri: CALLBACK,
    }).toString(),
  });
  return { status: response.status, body: (await response.json()) as { error: string } };
}

describe('the product clients of the admin API', () => {
  it('R67/R75: a helpdesk agent or an administrator may not list, register or remove clients; each refusal is audited', async () => {
    const registered = await add('emresource', { redirectUris: [CALLBACK], reason: REASON });
    expect(registered.status).toBe(201);
    const clientId = registered.body.client.clientId;
    for (const api of [helpdesk, adminApi]) {
      const listed = await list('emresource', api);
      expect(listed.status).toBe(403);
      expect(listed.body.error).toMatchObject({
        code: 'forbidden',
        message: 'Only a super-administrator sees, registers or removes product clients.',
      });
      expect(
        (await add('emresource', { redirectUris: [CALLBACK], reason: REASON }, api)).status,
      ).toBe(403);
      expect((await remove('emresource', clientId, api)).status).toBe(403);
    }
    expect((await list('emresource')).body.items.map((c) => c.clientId)).toEqual([clientId]);
    const refusals = await eventsOf('authz_fail', helpdeskId);
    expect(refusals.map((r) => r.detail.route)).toEqual([
      'GET /api/v1/products/:code/clients',
      'POST /api/v1/products/:code/clients',
      'DELETE /api/v1/products/:code/clients/:clientId',
    ]);
    expect(refusals[0]).toMatchObject({ ip: '127.0.0.1' });
    expect((await remove('emresource', clientId)).status).toBe(200);
  });

  it('issue 14: a super-administrator registers a confidential client; its secret is answered once, audited with the reason, and it can ask for tokens', async () => {
    const registered = await add('emresource', {
      redirectUris: [CALLBACK, 'http://127.0.0.1:4100/callback'],
      backchannelLogoutUri: LOGOUT,
      reason: REASON,
      ticket: 'CHG-2050',
    });
    expect(registered.status).toBe(201);
    expect(registered.headers.get('cache-control')).toBe('no-store');
    const { client, clientSecret } = registered.body;
    expect(client).toMatchObject({
      public: false,
      redirectUris: [CALLBACK, 'http://127.0.0.1:4100/callback'],
      backchannelLogoutUri: LOGOUT,
      createdAt: expect.any(Number),
    });
    expect(client.clientId).toMatch(/^emresource-/);
    expect(clientSecret).toMatch(/^\S{32,}$/);
    const secret = clientSecret ?? '';

    // Never again: not in the list, not in the store, not in the audit log.
    const listed = await list('emresource');
    expect(listed.body.items).toEqual([client]);
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    const row = await svc.ctx.db
      .selectFrom('oidc_clients')
      .selectAll()
      .where('client_id', '=', client.clientId)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(secret);
    const event = (await eventsOf('oidc_client_registered')).at(-1);
    expect(event).toMatchObject({
      ip: '127.0.0.1',
      detail: {
        clientId: client.clientId,
        product: 'emresource',
        public: false,
        reason: REASON,
        ticket: 'CHG-2050',
      },
    });
    expect(JSON.stringify(event)).not.toContain(secret);

    // The provider knows it: a made-up code is refused as a bad grant, not a bad client.
    expect(await tokenAttempt(client.clientId, secret)).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    });
  });

  it('a public client gets no secret; other products list their own clients', async () => {
    const registered = await add('eics', {
      redirectUris: ['https://eics.example.org/callback'],
      public: true,
      reason: REASON,
    });
    expect(registered.status).toBe(201);
    expect(registered.body.clientSecret).toBeUndefined();
    expect(registered.body.client).toMatchObject({ public: true, backchannelLogoutUri: null });
    expect((await list('eics')).body.items.map((c) => c.clientId)).toEqual([
      registered.body.client.clientId,
    ]);
    expect((await list('emtrack')).body.items).toEqual([]);
    expect((await list('no-such-product')).status).toBe(404);
  });

  it('bad registrations are refused naming the field, and nothing is written', async () => {
    const before = (await list('emtrack')).body.items;
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ redirectUris: [], reason: REASON }, 'redirectUris', /at least one redirect URI/],
      [
        { redirectUris: ['http://emtrack.example.org/cb'], reason: REASON },
        'redirectUris',
        /must use https/,
      ],
      [
        { redirectUris: ['https://emtrack.example.org/cb#frag'], reason: REASON },
        'redirectUris',
        /fragment/,
      ],
      [
        {
          redirectUris: ['https://emtrack.example.org/cb'],
          backchannelLogoutUri: 'not a url',
          reason: REASON,
        },
        'backchannelLogoutUri',
        /not an absolute URL/,
      ],
      [{ redirectUris: ['https://emtrack.example.org/cb'] }, 'reason', /./],
    ];
    for (const [body, field, message] of cases) {
      const refused = await add('emtrack', body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.body.error.code).toBe('validation_failed');
      expect(refused.body.error.field).toBe(field);
      expect(refused.body.error.message).toMatch(message);
    }
    expect((await list('emtrack')).body.items).toEqual(before);
    expect((await add('nope', { redirectUris: [CALLBACK], reason: REASON })).status).toBe(404);
  });

  it('issue 14: a removed client can no longer get tokens; the removal is audited with the reason; it is removed only under its own product', async () => {
    const registered = await add('emtrack', {
      redirectUris: ['https://emtrack.example.org/callback'],
      reason: REASON,
    });
    const { clientId } = registered.body.client;
    const secret = registered.body.clientSecret ?? '';
    expect((await remove('eics', clientId)).status).toBe(404);
    const removed = await remove('emtrack', clientId);
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({ removed: clientId });
    expect((await list('emtrack')).body.items).toEqual([]);
    expect(await tokenAttempt(clientId, secret)).toMatchObject({
      status: 401,
      body: { error: 'invalid_client' },
    });
    expect((await remove('emtrack', clientId)).status).toBe(404);
    const events = await eventsOf('oidc_client_removed');
    expect(events.at(-1)).toMatchObject({
      ip: '127.0.0.1',
      detail: { clientId, reason: REASON },
    });
  });

  it('is described at /api/openapi.json', async () => {
    const doc = await superApi.get<{ paths: Record<string, Record<string, unknown>> }>(
      '/api/openapi.json',
    );
    expect(Object.keys(doc.body.paths['/api/v1/products/{code}/clients'] ?? {}).sort()).toEqual([
      'get',
      'post',
    ]);
    expect(doc.body.paths['/api/v1/products/{code}/clients/{clientId}']).toHaveProperty('delete');
  });
});
