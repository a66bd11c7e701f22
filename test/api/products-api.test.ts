import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Product } from '../../common/api/products.ts';
import { startServiceProcess, type ServiceProcess } from '../../scripts/service-process.ts';
import { systemClock } from '../../service/clock.ts';
import type { ServiceContext } from '../../service/context.ts';
import { argon2Hasher } from '../../service/domain/passwords.ts';
import { seedOrganization } from '../support/accounts.ts';
import { ApiClient, seedAdmin, signedInClient, type ApiResponse } from '../support/admin.ts';
import {
  startProductAdminFixture,
  type ProductAdminFixture,
} from '../support/product-admin-fixture.ts';
import { textOf, WebClient, type TestService } from '../support/service.ts';
import { openTestStore } from '../support/store.ts';

// Issue 14: the admin API's products. Anyone signed in to the console lists them; only a
// super-administrator adds or changes one, with a reason, If-Match on a change, and an audit
// event; refusals name the field (R67, R68, R75, R88).

interface ErrorBody {
  error: { code: string; message: string; field?: string };
  current?: Product;
}
type Answer = ApiResponse<Product & ErrorBody>;

const REASON = 'CHG-2041: the county adds its CAD system';
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
  } = await startProductAdminFixture('products'));
});
afterAll(async () => svc?.close());

const list = async (api: ApiClient = superApi) =>
  (await api.get<{ items: Product[] }>('/api/v1/products')).body.items;
const productNow = async (code: string): Promise<Product> => {
  const found = (await list()).find((p) => p.code === code);
  if (!found) throw new Error(`no product ${code}`);
  return found;
};
const add = (api: ApiClient, body: Record<string, unknown>): Promise<Answer> =>
  api.post('/api/v1/products', body);
const put = (api: ApiClient, code: string, body: Record<string, unknown>, ifMatch?: string) =>
  api.request<Product & ErrorBody>(
    'PUT',
    `/api/v1/products/${code}`,
    body,
    ifMatch === undefined ? {} : { 'if-match': ifMatch },
  );
const edit = async (code: string, change: Partial<Product>, api = superApi): Promise<Answer> => {
  const p = await productNow(code);
  const { name, url, displayOrder } = { ...p, ...change };
  return put(api, code, { name, url, displayOrder, reason: REASON }, p.etag);
};

const eventsBy = (actor: string, type = 'admin_action') => eventsOfActor(actor, type);

describe('the products of the admin API', () => {
  it('issue 14: any signed-in console user lists the products in display order; nobody else', async () => {
    const items = await list(helpdesk);
    expect(items.map((p) => [p.code, p.name, p.displayOrder])).toEqual([
      ['emresource', 'EMResource', 1],
      ['eics', 'eICS', 2],
      ['emtrack', 'EMTrack', 3],
    ]);
    expect(items[0]?.etag).toMatch(/^"pr-[0-9a-f]{32}"$/);
    expect((await new ApiClient(svc.url).get('/api/v1/products')).status).toBe(401);
  });

  it('R67/R75: a helpdesk agent or an administrator may not add or change a product; each refusal is audited', async () => {
    const body = { code: 'cad', name: 'CAD', url: 'https://cad.example.org/', reason: REASON };
    for (const api of [helpdesk, adminApi]) {
      const refused = await add(api, body);
      expect(refused.status).toBe(403);
      expect(refused.body.error).toMatchObject({
        code: 'forbidden',
        message: 'Only a super-administrator adds or changes products.',
      });
      expect((await edit('eics', { name: 'Not allowed' }, api)).status).toBe(403);
    }
    expect(await list()).toHaveLength(3);
    const refusals = await eventsBy(helpdeskId, 'authz_fail');
    expect(refusals.map((r) => r.detail.route)).toEqual([
      'POST /api/v1/products',
      'PUT /api/v1/products/:code',
    ]);
    expect(refusals[0]).toMatchObject({ ip: '127.0.0.1' });
  });

  it('issue 14, R75: a super-administrator adds a product where asked; answered with its ETag and audited with who, why and where', async () => {
    const created = await add(superApi, {
      code: 'CAD',
      name: 'CAD Dispatch',
      url: 'https://cad.example.org/',
      displayOrder: 2,
      reason: REASON,
      ticket: 'CHG-2041',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ code: 'cad', name: 'CAD Dispatch', displayOrder: 2 });
    expect(created.headers.get('etag')).toBe(created.body.etag);
    expect((await list(helpdesk)).map((p) => p.code)).toEqual([
      'emresource',
      'cad',
      'eics',
      'emtrack',
    ]);
    const [event] = (await eventsBy(superId)).filter((e) => e.detail.action === 'add-product');
    expect(event).toMatchObject({ ip: '127.0.0.1', account_id: null });
    expect(new Date(event?.at ?? 0).toISOString()).toMatch(/Z$/);
    expect(event?.detail).toEqual({
      action: 'add-product',
      product: 'cad',
      name: 'CAD Dispatch',
      url: 'https://cad.example.org/',
      displayOrder: 2,
      reason: REASON,
      ticket: 'CHG-2041',
    });
  });

  it('R68: bad input is refused naming the field, and nothing is written', async () => {
    const good = { code: 'lab', name: 'Lab', url: 'https://lab.example.org/', reason: REASON };
    const refusals: Array<[Record<string, unknown>, number, string, RegExp]> = [
      [{ url: 'javascript:alert(1)' }, 400, 'url', /^url: Enter the product’s web address/],
      [{ code: 'two words' }, 400, 'code', /^code: Use 1 to 32 letters/],
      [{ name: '' }, 400, 'name', /^name: Enter the name people know/],
      [{ displayOrder: 0 }, 400, 'displayOrder', /^displayOrder: /],
      [{ displayOrder: 9 }, 400, 'displayOrder', /^displayOrder: choose a position from 1 to 5\.$/],
      [{ reason: '' }, 400, 'reason', /^reason: Say why/],
      [{ owner: 'me' }, 400, 'owner', /^owner: /],
      [{ code: 'eics' }, 409, 'code', /^code: there is already a product eics\.$/],
      [{ name: 'EICS' }, 409, 'name', /^name: the product eics is already called eICS/],
    ];
    for (const [change, status, field, message] of refusals) {
      const refused = await add(superApi, { ...good, ...change });
      expect([refused.status, refused.body.error?.field], JSON.stringify(change)).toEqual([
        status,
        field,
      ]);
      expect(refused.body.error.message).toMatch(message);
    }
    const noReason: Record<string, unknown> = { ...good };
    delete noReason.reason;
    expect((await add(superApi, noReason)).body.error).toMatchObject({ field: 'reason' });
    expect(await list()).toHaveLength(4);
    expect((await eventsBy(superId)).filter((e) => e.detail.action === 'add-product')).toHaveLength(
      1,
    );
  });

  it('R88: a change needs If-Match (428), is refused on an old ETag (412, with the product now), and answers the new ETag', async () => {
    const seen = await productNow('eics');
    const body = { name: 'eICS', url: seen.url, displayOrder: 1, reason: REASON };
    const missing = await put(superApi, 'eics', body);
    expect(missing.status).toBe(428);
    expect(missing.body.error.code).toBe('precondition_required');

    const moved = await put(superApi, 'eics', body, seen.etag);
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ code: 'eics', displayOrder: 1 });
    expect(moved.headers.get('etag')).toBe(moved.body.etag);
    expect(moved.body.etag).not.toBe(seen.etag);
    expect((await list()).map((p) => p.code)).toEqual(['eics', 'emresource', 'cad', 'emtrack']);

    const stale = await put(superApi, 'eics', { ...body, name: 'Mine' }, seen.etag);
    expect(stale.status).toBe(412);
    expect(stale.body.error.code).toBe('precondition_failed');
    expect(stale.body.current).toMatchObject({ code: 'eics', name: 'eICS', displayOrder: 1 });

    const audit = (await eventsBy(superId)).filter((e) => e.detail.action === 'edit-product');
    expect(audit.at(-1)?.detail).toEqual({
      action: 'edit-product',
      product: 'eics',
      reason: REASON,
      changedFields: ['displayOrder'],
      changes: { displayOrder: { before: 3, after: 1 } },
    });
  });

  it('issue 14: rename, re-address and move; the pages follow at once; refusals name the field', async () => {
    expect((await edit('cad', { name: 'CAD', url: 'https://dispatch.example.org/' })).status).toBe(
      200,
    );
    expect((await edit('emtrack', { displayOrder: 1 })).status).toBe(200);
    const footer = textOf(
      /<footer>([\s\S]*?)<\/footer>/.exec((await new WebClient(svc.url).get('/login')).body)?.[1] ??
        '',
    );
    expect(footer).toBe('Latchkey · one sign-in for EMTrack, eICS, EMResource and CAD');
    const bad = await edit('cad', { url: 'ftp://dispatch.example.org/' });
    expect([bad.status, bad.body.error.field]).toEqual([400, 'url']);
    const past = await edit('cad', { displayOrder: 5 });
    expect(past.body.error).toMatchObject({
      field: 'displayOrder',
      message: 'displayOrder: choose a position from 1 to 4.',
    });
    const unknown = await put(
      superApi,
      'nosuch',
      { name: 'X', url: 'https://x.example/', displayOrder: 1, reason: REASON },
      '"pr-0"',
    );
    expect(unknown.status).toBe(404);
  });

  it('is described at /api/openapi.json', async () => {
    const doc = await superApi.get<{ paths: Record<string, Record<string, unknown>> }>(
      '/api/openapi.json',
    );
    expect(Object.keys(doc.body.paths['/api/v1/products'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(doc.body.paths['/api/v1/products/{code}']).toHaveProperty('put');
  });
});

describe('two service processes on one store', () => {
  let store: Awaited<ReturnType<typeof openTestStore>>;
  let processes: ServiceProcess[] = [];

  beforeAll(async () => {
    store = await openTestStore();
    const ctx = {
      db: store.db,
      clock: systemClock,
      hasher: argon2Hasher,
    } as unknown as ServiceContext;
    const org = await seedOrganization(ctx, 'Two Process Administrators', {
      adminTotpExempt: true,
    });
    await seedAdmin(ctx, { organizationId: org, username: 'two-super', role: 'super_admin' });
    const env = { SEARCH_INDEX: 'store' };
    processes = await Promise.all([
      startServiceProcess(store, env),
      startServiceProcess(store, env),
    ]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.close()));
    await store?.close();
  });

  it('issue 14: a move made through one process shows in the other’s footer on its next page', async () => {
    const [one, two] = processes.map((p) => p.url);
    const footerAt = async (url: string | undefined) =>
      textOf(
        /<footer>([\s\S]*?)<\/footer>/.exec(
          (await new WebClient(url ?? '').get('/login')).body,
        )?.[1] ?? '',
      );
    expect(await footerAt(two)).toBe('Latchkey · one sign-in for EMResource, eICS and EMTrack');
    const api = await signedInClient(one ?? '', 'two-super');
    const items = (await api.get<{ items: Product[] }>('/api/v1/products')).body.items;
    const emtrack = items.find((p) => p.code === 'emtrack');
    const moved = await api.request(
      'PUT',
      '/api/v1/products/emtrack',
      { name: 'EMTrack', url: emtrack?.url, displayOrder: 1, reason: REASON },
      { 'if-match': emtrack?.etag ?? '' },
    );
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(await footerAt(two)).toBe('Latchkey · one sign-in for EMTrack, EMResource and eICS');
  });
});
