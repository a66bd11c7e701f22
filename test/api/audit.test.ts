import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../service/store/schema.ts';
import { ManualClock } from '../../service/clock.ts';
import { csvField, EXPORT_PAGE_SIZE } from '../../service/domain/admin/audit-query.ts';
import { verifyAuditChain } from '../../service/domain/admin/audit-verify.ts';
import { auditKeysFor } from '../../service/domain/audit-keys.ts';
import {
  auditMac,
  recordAudit,
  recordAuditBatch,
  type AuditEntry,
} from '../../service/domain/audit.ts';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { ApiClient, seedAdmin, signedInClient } from '../support/admin.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { withoutAuditGuard } from '../support/audit-tamper.ts';
import { openTestStore } from '../support/store.ts';
import { parseCsv } from '../support/csv.ts';

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

/** A store of its own with a chain of `n` events, for tampering with. */
async function chainOf(n: number) {
  const store = await openTestStore();
  const clock = new ManualClock();
  await recordAuditBatch(
    store.db,
    clock,
    Array.from({ length: n }, (_, i) => ({
      type: 'sign_in' as const,
      actor: 'self',
      detail: { i, reason: `event ${i}` },
    })),
  );
  return store;
}

const rowAt = (db: Db, seq: number) =>
  db.selectFrom('audit_events').selectAll().where('seq', '=', seq).executeTakeFirstOrThrow();

describe('verify-audit: the hash chain (R78)', () => {
  it('an untouched chain verifies, in pages, whatever the page size', async () => {
    const store = await chainOf(10);
    try {
      for (const size of [1, 3, 10, 1000]) {
        expect(await verifyAuditChain(store.db, { pageSize: size })).toMatchObject({
          ok: true,
          events: 10,
        });
      }
      const last = await rowAt(store.db, 10);
      expect(await verifyAuditChain(store.db)).toEqual({
        ok: true,
        events: 10,
        head: { seq: 10, hash: last.hash },
      });
    } finally {
      await store.close();
    }
  });

  it('the live service’s log, written by every kind of request in this file, verifies', async () => {
    const result = await verifyAuditChain(svc.ctx.db, { pageSize: 97 });
    const count = await svc.ctx.db
      .selectFrom('audit_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(result).toMatchObject({ ok: true, events: Number(count.n) });
  });

  it('R78: an edited detail is named by its seq', async () => {
    const store = await chainOf(8);
    try {
      await withoutAuditGuard(store.db, () =>
        store.db
          .updateTable('audit_events')
          .set({ detail: JSON.stringify({ i: 4, reason: 'nothing to see' }) })
          .where('seq', '=', 5)
          .execute(),
      );
      expect(await verifyAuditChain(store.db, { pageSize: 3 })).toEqual({
        ok: false,
        seq: 5,
        reason: expect.stringMatching(/event 5 was altered/),
      });
    } finally {
      await store.close();
    }
  });

  it('R78: an edited row whose MAC was recomputed (with the key) breaks the link to the next event', async () => {
    const store = await chainOf(8);
    try {
      const row = await rowAt(store.db, 5);
      const detail = JSON.stringify({ i: 4, reason: 'rewritten' });
      const key = auditKeysFor(store.db).current;
      await withoutAuditGuard(store.db, () =>
        store.db
          .updateTable('audit_events')
          .set({ detail, hash: auditMac(key, row.prev_hash, 5, { ...row, detail }) })
          .where('seq', '=', 5)
          .execute(),
      );
      expect(await verifyAuditChain(store.db)).toEqual({
        ok: false,
        seq: 6,
        reason: expect.stringMatching(/event 6 does not follow event 5/),
      });
    } finally {
      await store.close();
    }
  });

  it('R78: a deleted row is named, in the middle and at the start', async () => {
    const store = await chainOf(8);
    try {
      const remove = (seq: number) =>
        withoutAuditGuard(store.db, () =>
          store.db.deleteFrom('audit_events').where('seq', '=', seq).execute(),
        );
      await remove(4);
      expect(await verifyAuditChain(store.db, { pageSize: 2 })).toEqual({
        ok: false,
        seq: 4,
        reason: 'event 4 is missing: event 3 is followed by event 5',
      });
      await remove(1);
      expect(await verifyAuditChain(store.db)).toMatchObject({ ok: false, seq: 1 });
    } finally {
      await store.close();
    }
  });

  it('R78: two reordered rows are named by the first position that no longer links', async () => {
    const store = await chainOf(8);
    try {
      // Swap events 4 and 5 (through a free seq: seq is unique).
      const swap = (from: number, to: number) =>
        store.db.updateTable('audit_events').set({ seq: to }).where('seq', '=', from).execute();
      await withoutAuditGuard(store.db, async () => {
        await swap(4, 1000);
        await swap(5, 4);
        await swap(1000, 5);
      });
      expect(await verifyAuditChain(store.db)).toEqual({
        ok: false,
        seq: 4,
        reason: expect.stringMatching(/event 4 does not follow event 3/),
      });
    } finally {
      await store.close();
    }
  });

  it('R78: a row slipped in outside the chain is reported', async () => {
    const store = await chainOf(3);
    try {
      await store.db
        .insertInto('audit_events')
        .values({
          id: 'forged',
          at: 0,
          type: 'sign_in',
          account_id: null,
          organization_id: null,
          actor: 'self',
          ip: null,
          detail: '{}',
          seq: null as unknown as number,
          prev_hash: null as unknown as string,
          hash: null as unknown as string,
        })
        .execute();
      expect(await verifyAuditChain(store.db)).toEqual({
        ok: false,
        seq: null,
        reason: expect.stringMatching(/event forged is outside the chain/),
      });
    } finally {
      await store.close();
    }
  });

  it('`npm run service -- verify-audit` exits 0 on an intact log and 1 naming the broken event', async () => {
    const store = await chainOf(5);
    const run = promisify(execFile);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATA_DIR: store.dataDir,
      ...(store.databaseUrl ? { DATABASE_URL: store.databaseUrl } : {}),
    };
    delete env.SMTP_URL;
    const cli = async () => {
      try {
        // What `npm run service -- verify-audit` runs (tsx service/cli.ts), without npx's start-up.
        const { stdout, stderr } = await run(
          process.execPath,
          ['--import', 'tsx', 'service/cli.ts', 'verify-audit'],
          { env, timeout: 60_000 },
        );
        return { code: 0, stdout, stderr };
      } catch (error) {
        const e = error as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
      }
    };
    try {
      const intact = await cli();
      expect(intact).toMatchObject({ code: 0 });
      expect(intact.stdout).toMatch(/Audit log intact: 5 events; last event 5, hash [0-9a-f]{64}/);
      await withoutAuditGuard(store.db, () =>
        store.db
          .updateTable('audit_events')
          .set({ actor: 'someone-else' })
          .where('seq', '=', 3)
          .execute(),
      );
      const broken = await cli();
      expect(broken.code).toBe(1);
      expect(broken.stderr).toMatch(/Audit log BROKEN at event 3: event 3 was altered/);
    } finally {
      await store.close();
    }
  });
});
