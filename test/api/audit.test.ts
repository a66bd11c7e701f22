import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvField, EXPORT_PAGE_SIZE } from '../../service/domain/admin/audit-query.ts';
import { verifyAuditChain } from '../../service/domain/admin/audit-verify.ts';
import { recordAudit, recordAuditBatch, type AuditEntry } from '../../service/domain/audit.ts';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { ApiClient, seedAdmin, signedInClient } from '../support/admin.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { parseCsv } from '../support/csv.ts';

// The audit log through the admin API: the query, the CSV export, and the chain they leave.
// Tampering with a chain, and `verify-audit`, are in audit-chain.test.ts.

interface AuditEvent {
  id: string;
  seq: number;
  at: number;
  type: string;
  accountId: string | null;
  organizationId: string | null;
  actor: string;
  ip: string | null;
  detail: Record<string, unknown>;
  hash: string;
}
interface AuditPage {
  items: AuditEvent[];
  nextCursor: string | null;
}

let svc: TestService;
let orgA: string;
let orgB: string;
let superApi: ApiClient;
let adminA: ApiClient;
let adminAId: string;
let helpdeskA: ApiClient;
let aliceA: string;
let bobB: string;

beforeAll(async () => {
  svc = await startTestService();
  const home = await seedOrganization(svc.ctx, 'Latchkey Administrators', {
    adminTotpExempt: true,
  });
  orgA = await seedOrganization(svc.ctx, 'Audit North', { adminTotpExempt: true });
  orgB = await seedOrganization(svc.ctx, 'Audit South', { adminTotpExempt: true });
  await seedAdmin(svc.ctx, { organizationId: home, username: 'audit-super', role: 'super_admin' });
  adminAId = await seedAdmin(svc.ctx, {
    organizationId: orgA,
    username: 'audit-admin-a',
    role: 'administrator',
  });
  await seedAdmin(svc.ctx, { organizationId: orgA, username: 'audit-help-a', role: 'helpdesk' });
  aliceA = await seedAccount(svc.ctx, { organizationId: orgA, username: 'audit-alice' });
  bobB = await seedAccount(svc.ctx, { organizationId: orgB, username: 'audit-bob' });
  [superApi, adminA, helpdeskA] = await Promise.all([
    signedInClient(svc.url, 'audit-super'),
    signedInClient(svc.url, 'audit-admin-a'),
    signedInClient(svc.url, 'audit-help-a'),
  ]);
});
afterAll(async () => svc?.close());

const record = (entry: AuditEntry) => recordAudit(svc.ctx.db, svc.clock, entry);

async function page(api: ApiClient, query: Record<string, string | number>) {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
  return api.get<AuditPage & { error?: { code: string; field?: string } }>(`/api/v1/audit?${qs}`);
}

/** Every event a query answers, page by page. */
async function all(api: ApiClient, query: Record<string, string | number>) {
  const events: AuditEvent[] = [];
  let cursor: string | null = null;
  do {
    const response = await page(api, { ...query, ...(cursor ? { cursor } : {}) });
    expect(response.status).toBe(200);
    events.push(...response.body.items);
    cursor = response.body.nextCursor;
  } while (cursor);
  return events;
}

async function csv(api: ApiClient, query: Record<string, string | number> = {}) {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
  const response = await fetch(new URL(`/api/v1/audit.csv?${qs}`, svc.url), {
    headers: { authorization: `Bearer ${api.token ?? ''}` },
  });
  // ignoreBOM keeps the byte-order mark that fetch's text() would strip.
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, text };
}

/** Rows of an export as objects keyed by the header. */
function records(text: string): Array<Record<string, string>> {
  expect(text.startsWith('\uFEFF')).toBe(true);
  const [header = [], ...rows] = parseCsv(text.slice(1));
  for (const row of rows) expect(row).toHaveLength(header.length);
  return rows.map((row) => Object.fromEntries(header.map((name, i) => [name, row[i] ?? ''])));
}

describe('GET /api/v1/audit', () => {
  it('R78: newest first, keyset-paginated by seq; a page never shifts when new events arrive', async () => {
    const account = await seedAccount(svc.ctx, { organizationId: orgA, username: 'audit-pages' });
    for (let i = 0; i < 7; i += 1)
      await record({ type: 'sign_in', accountId: account, organizationId: orgA, detail: { i } });
    const first = await page(adminA, { account, limit: 3 });
    expect(first.status).toBe(200);
    expect(first.body.items.map((e) => e.detail.i)).toEqual([6, 5, 4]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    // A new event between two pages lands before the first page, never inside the next one.
    await record({ type: 'sign_in', accountId: account, organizationId: orgA, detail: { i: 7 } });
    const second = await page(adminA, {
      account,
      limit: 3,
      cursor: first.body.nextCursor ?? '',
    });
    expect(second.body.items.map((e) => e.detail.i)).toEqual([3, 2, 1]);
    const third = await page(adminA, {
      account,
      limit: 3,
      cursor: second.body.nextCursor ?? '',
    });
    expect(third.body.items.map((e) => e.detail.i)).toEqual([0]);
    expect(third.body.nextCursor).toBeNull();
    const seqs = [...first.body.items, ...second.body.items, ...third.body.items].map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(new Set(seqs).size).toBe(7);
    expect(first.body.items[0]).toMatchObject({
      type: 'sign_in',
      accountId: account,
      organizationId: orgA,
      actor: 'self',
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('filters by actor and account (id or username), event type or action, organization and time', async () => {
    const account = await seedAccount(svc.ctx, { organizationId: orgA, username: 'audit-filter' });
    const t0 = svc.clock.now();
    await record({ type: 'sign_in', accountId: account, organizationId: orgA, detail: { n: 1 } });
    svc.clock.advance(60_000);
    await record({
      type: 'admin_action',
      accountId: account,
      organizationId: orgA,
      actor: adminAId,
      detail: { action: 'unlock', n: 2 },
    });
    svc.clock.advance(60_000);
    await record({
      type: 'sign_in_failed',
      accountId: account,
      organizationId: orgA,
      detail: { n: 3 },
    });
    const ns = (events: AuditEvent[]) => events.map((e) => e.detail.n);

    expect(ns(await all(adminA, { account }))).toEqual([3, 2, 1]);
    expect(ns(await all(adminA, { account: 'AUDIT-FILTER' }))).toEqual([3, 2, 1]);
    expect(ns(await all(adminA, { account, actor: adminAId }))).toEqual([2]);
    expect(ns(await all(adminA, { account, actor: 'audit-admin-a' }))).toEqual([2]);
    expect(ns(await all(adminA, { account, actor: 'self' }))).toEqual([3, 1]);
    expect(ns(await all(adminA, { account, type: 'sign_in_failed' }))).toEqual([3]);
    // An administrator's action by its name, as the console's "action" filter sends it.
    expect(ns(await all(adminA, { account, type: 'unlock' }))).toEqual([2]);
    expect(ns(await all(adminA, { account, type: 'admin_action' }))).toEqual([2]);
    expect(ns(await all(adminA, { account, type: 'disable' }))).toEqual([]);
    expect(ns(await all(adminA, { account, organization: orgA }))).toEqual([3, 2, 1]);
    // from is inclusive, to exclusive: [t0 + 1 min, t0 + 2 min) holds the second event only.
    expect(ns(await all(adminA, { account, from: t0 + 60_000, to: t0 + 120_000 }))).toEqual([2]);
    expect(ns(await all(adminA, { account, from: t0 + 60_000 }))).toEqual([3, 2]);
    expect(ns(await all(adminA, { account, to: t0 + 60_000 }))).toEqual([1]);
    expect(await all(adminA, { account: 'nobody-by-this-name' })).toEqual([]);
  });

  it('R67: an administrator reads only the events of their own organizations', async () => {
    await record({
      type: 'sign_in',
      accountId: aliceA,
      organizationId: orgA,
      detail: { mark: 'a' },
    });
    await record({ type: 'sign_in', accountId: bobB, organizationId: orgB, detail: { mark: 'b' } });
    // Mail and token events name only the account: they belong to the account's organization.
    await record({
      type: 'mail_sent',
      accountId: aliceA,
      actor: 'system',
      detail: { mark: 'mail-a' },
    });
    await record({
      type: 'mail_sent',
      accountId: bobB,
      actor: 'system',
      detail: { mark: 'mail-b' },
    });
    await record({ type: 'mail_dropped', actor: 'system', detail: { mark: 'nobody' } });

    const seen = (await all(adminA, {})).map((e) => e.detail.mark).filter(Boolean);
    expect(seen).toEqual(expect.arrayContaining(['a', 'mail-a']));
    expect(seen).not.toContain('b');
    expect(seen).not.toContain('mail-b');
    expect(seen).not.toContain('nobody');
    expect(await all(adminA, { account: bobB })).toEqual([]);

    const everything = (await all(superApi, {})).map((e) => e.detail.mark);
    expect(everything).toEqual(expect.arrayContaining(['a', 'b', 'mail-a', 'mail-b', 'nobody']));
    const south = (await all(superApi, { organization: orgB })).map((e) => e.detail.mark);
    expect(south).toEqual(expect.arrayContaining(['b', 'mail-b']));
    expect(south).not.toContain('a');

    expect(await page(adminA, { organization: orgB })).toMatchObject({
      status: 404,
      body: { error: { code: 'not_found' } },
    });
  });

  it('R67: reading the audit log needs read_audit (the default helpdesk has none)', async () => {
    expect(await page(helpdeskA, {})).toMatchObject({
      status: 403,
      body: { error: { code: 'forbidden' } },
    });
    expect((await csv(helpdeskA)).status).toBe(403);
    expect((await page(new ApiClient(svc.url), {})).status).toBe(401);
    expect((await csv(new ApiClient(svc.url))).status).toBe(401);
  });

  it('R69: a page is capped, and a cursor that was not given out is refused', async () => {
    expect(await page(adminA, { limit: 10_000 })).toMatchObject({
      status: 400,
      body: { error: { code: 'validation_failed', field: 'limit' } },
    });
    expect(await page(adminA, { cursor: 'not-a-cursor' })).toMatchObject({
      status: 400,
      body: { error: { code: 'validation_failed', field: 'cursor' } },
    });
  });
});

describe('GET /api/v1/audit.csv', () => {
  it('R77: an attachment with the same events as the query, quoted so a CR/LF in a field stays one record', async () => {
    const account = await seedAccount(svc.ctx, { organizationId: orgA, username: 'audit-csv' });
    const awkward = 'He said "no", then\r\nleft; =1+1, ünïcödé';
    await record({
      type: 'admin_action',
      accountId: account,
      organizationId: orgA,
      actor: adminAId,
      ip: '203.0.113.9',
      detail: { action: 'unlock', reason: awkward },
    });
    await record({ type: 'sign_in', accountId: account, organizationId: orgA });

    const response = await csv(adminA, { account });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
    expect(response.headers.get('content-disposition')).toMatch(
      /^attachment; filename="latchkey-audit-\d{8}T\d{6}Z\.csv"$/,
    );
    const rows = records(response.text);
    const events = await all(adminA, { account });
    expect(rows.map((r) => Number(r.seq))).toEqual(events.map((e) => e.seq));
    expect(rows[0]).toMatchObject({
      type: 'sign_in',
      actor: 'self',
      account_username: 'audit-csv',
    });
    expect(rows[1]).toMatchObject({
      type: 'admin_action',
      action: 'unlock',
      actor: adminAId,
      actor_username: 'audit-admin-a',
      account_id: account,
      organization_id: orgA,
      organization: 'Audit North',
      ip: '203.0.113.9',
      hash: events[1]?.hash,
    });
    expect(rows[1]?.time).toBe(new Date(events[1]?.at ?? 0).toISOString());
    expect(JSON.parse(rows[1]?.detail ?? '{}')).toEqual({ action: 'unlock', reason: awkward });
  });

  it('a text a spreadsheet would run as a formula is written as text (CSV injection)', () => {
    expect(csvField('=HYPERLINK("http://evil.test")')).toBe('"\'=HYPERLINK(""http://evil.test"")"');
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('-2')).toBe("'-2");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('plain')).toBe('plain');
    expect(csvField(42)).toBe('42');
    expect(csvField(null)).toBe('');
  });

  it('streams a long export page by page, in order, without a length known up front', async () => {
    const account = await seedAccount(svc.ctx, { organizationId: orgA, username: 'audit-long' });
    const total = EXPORT_PAGE_SIZE * 2 + 37;
    await recordAuditBatch(
      svc.ctx.db,
      svc.clock,
      Array.from({ length: total }, (_, i) => ({
        type: 'sign_in' as const,
        accountId: account,
        organizationId: orgA,
        detail: { i },
      })),
    );
    const response = await csv(adminA, { account });
    expect(response.status).toBe(200);
    expect(response.headers.get('transfer-encoding')).toBe('chunked');
    expect(response.headers.get('content-length')).toBeNull();
    const rows = records(response.text);
    expect(rows).toHaveLength(total);
    expect(rows.map((r) => (JSON.parse(r.detail ?? '{}') as { i: number }).i)).toEqual(
      Array.from({ length: total }, (_, i) => total - 1 - i),
    );
  });

  it('R67: the export holds only the administrator’s organizations', async () => {
    await record({ type: 'sign_in', accountId: bobB, organizationId: orgB, detail: { csv: 'b' } });
    const mine = records((await csv(adminA)).text);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.some((r) => r.organization_id === orgA)).toBe(true);
    expect(mine.some((r) => r.organization_id === orgB || r.account_id === bobB)).toBe(false);
    expect((await csv(adminA, { organization: orgB })).status).toBe(404);
    const theirs = records((await csv(superApi, { organization: orgB })).text);
    expect(theirs.some((r) => r.account_id === bobB)).toBe(true);
  });
});

describe('verify-audit on this file’s log (R78)', () => {
  it('the live service’s log, written by every kind of request in this file, verifies', async () => {
    const result = await verifyAuditChain(svc.ctx.db, { pageSize: 97 });
    const count = await svc.ctx.db
      .selectFrom('audit_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(result).toMatchObject({ ok: true, events: Number(count.n) });
  });
});
