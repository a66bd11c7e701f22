import path from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiErrorSchema } from '../../common/api/errors.ts';
import { ReadinessSchema } from '../../common/api/health.ts';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { startTestService, WebClient, type TestService } from '../support/service.ts';

// Issue 18: SQLite refusing a write (busy, full, read-only) is a named 503, never a crash or a
// 500, and never half a change. How each is made here, honestly:
// - busy: a second connection (this test's) holds the file's write lock past busy_timeout, as
//   another process writing to the file would;
// - full: PRAGMA max_page_count on the service's own connection caps the file at the pages it
//   has, so the next write that needs a page fails with SQLITE_FULL, as on a full disk (a real
//   full disk needs a small filesystem this test cannot mount);
// - read-only: PRAGMA query_only on the service's connection, which refuses writes with
//   SQLITE_READONLY, the code a write-protected file or a read-only mount gives (file
//   permissions would not do: root ignores them; startup-messages.test.ts opens a really
//   read-only file as another user).
// SQLite only: on the PostgreSQL pass these are reported as skipped (connection-loss.test.ts
// covers PostgreSQL).

const isPostgres = () => /^postgres/.test(process.env.DATABASE_URL ?? '');

const PASSWORD = 'tulip orbit saddle lantern';
let svc: TestService;
let org: string;

beforeAll(async () => {
  if (isPostgres()) return;
  svc = await startTestService();
  org = await seedOrganization(svc.ctx, 'Disk Trouble Hospital');
});
afterAll(async () => {
  await svc?.close();
});

const readiness = async () => {
  const response = await fetch(`${svc.url}/readyz`);
  return { status: response.status, body: ReadinessSchema.parse(await response.json()) };
};

const auditRows = async (type: string) =>
  (await svc.ctx.db.selectFrom('audit_events').select('id').where('type', '=', type).execute())
    .length;

/** Runs `work` with the service's connection capped at the pages its file has now. */
async function whileFull<T>(work: () => Promise<T>): Promise<T> {
  // A cap below the current size is raised to it: no page can be added.
  await sql`pragma max_page_count = 1`.execute(svc.ctx.db);
  try {
    return await work();
  } finally {
    await sql`pragma max_page_count = 1073741823`.execute(svc.ctx.db);
  }
}

async function whileReadOnly<T>(work: () => Promise<T>): Promise<T> {
  await sql`pragma query_only = 1`.execute(svc.ctx.db);
  try {
    return await work();
  } finally {
    await sql`pragma query_only = 0`.execute(svc.ctx.db);
  }
}

/** Posts until the store refuses (each post needs a little more room than the last). */
async function postUntilRefused(post: (i: number) => Promise<number>) {
  const statuses: number[] = [];
  for (let i = 0; i < 200 && !statuses.includes(503); i += 1) statuses.push(await post(i));
  return statuses;
}

describe.skipIf(isPostgres())('issue 18: SQLite refusing writes', () => {
  it('a transaction that fills the file fails with SQLITE_FULL, not "cannot rollback - no transaction is active"', async () => {
    const filler = 'x'.repeat(3000);
    const attempt = whileFull(() =>
      svc.ctx.db.transaction().execute(async (trx) => {
        for (let i = 0; i < 100; i += 1) {
          await trx
            .insertInto('rate_counters')
            .values({ bucket: `filler-${i}-${filler}`, window_start: 0, count: 0 })
            .execute();
        }
      }),
    );
    await expect(attempt).rejects.toMatchObject({
      code: 'SQLITE_FULL',
      message: 'database or disk is full',
    });
    const left = await svc.ctx.db
      .selectFrom('rate_counters')
      .select('bucket')
      .where('bucket', 'like', 'filler-%')
      .execute();
    expect(left).toEqual([]);
    // The connection is usable again: the next transaction begins and commits.
    await svc.ctx.db.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx);
    });
  });

  it('busy: another process holding the write lock past busy_timeout gets 503 "Service Unavailable", and the attempt leaves no trace', async () => {
    const username = 'busy-sqlite';
    const id = await seedAccount(svc.ctx, { organizationId: org, username });
    const browser = new WebClient(svc.url);
    await browser.csrfToken();
    const other = new SQLite(path.join(svc.dataDir, 'latchkey.sqlite'));
    let answer;
    try {
      other.exec('begin immediate');
      answer = await browser.post('/login', { identifier: username, password: 'wrong guess' });
    } finally {
      if (other.inTransaction) other.exec('rollback');
      other.close();
    }
    expect(answer.status).toBe(503);
    expect(answer.heading).toBe('Service Unavailable');
    expect(answer.headers.get('retry-after')).toBe('5');
    const account = await svc.ctx.db
      .selectFrom('accounts')
      .select(['failed_count', 'attempt_reserved_at'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(account).toEqual({ failed_count: 0, attempt_reserved_at: null });
    // The lock gone, the same browser signs in.
    expect(
      (await browser.post('/login', { identifier: username, password: PASSWORD })).location,
    ).toBe('/');
    // better-sqlite3 waits out busy_timeout (5 s) synchronously, blocking this whole process, and
    // the service's background loops (mail, recovery requests, product logouts) each meet the lock
    // too: on a busy machine that is well over half a minute.
  }, 120_000);

  it('full: pages and API answer 503 (page and problem JSON), every refused attempt leaves nothing, /readyz says full; room again, service again', async () => {
    const before = await auditRows('sign_in_failed');
    const browser = new WebClient(svc.url);
    await browser.csrfToken();
    let apiRefusal: unknown;
    const { pages, api, ready } = await whileFull(async () => {
      const pages = await postUntilRefused(async (i) => {
        const answer = await browser.post('/login', {
          identifier: `nobody-${i}`,
          password: 'wrong guess',
        });
        if (answer.status === 503) expect(answer.heading).toBe('Service Unavailable');
        return answer.status;
      });
      const api = await postUntilRefused(async (i) => {
        const response = await fetch(`${svc.url}/api/v1/auth/sign-in`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: `nobody-api-${i}`, password: 'wrong guess' }),
        });
        const body: unknown = await response.json();
        if (response.status === 503) {
          apiRefusal = body;
          expect(response.headers.get('retry-after')).toBe('5');
        }
        return response.status;
      });
      return { pages, api, ready: await readiness() };
    });
    // Until the file was full, the usual refusal; then 503, never a 500.
    expect(pages.at(-1)).toBe(503);
    expect(pages.slice(0, -1).every((s) => s === 401)).toBe(true);
    expect(api.at(-1)).toBe(503);
    expect(api.slice(0, -1).every((s) => s === 401)).toBe(true);
    expect(ApiErrorSchema.parse(apiRefusal).error).toEqual({
      code: 'unavailable',
      message: expect.stringMatching(/cannot reach its account store right now/),
    });
    // Each 401 was recorded once; each 503 not at all (no half of its transaction).
    expect((await auditRows('sign_in_failed')) - before).toBe(pages.length - 1 + api.length - 1);

    expect(ready.status).toBe(503);
    expect(ready.body.status).toBe('not_ready');
    expect(ready.body.checks.store).toMatchObject({ ok: false, code: 'SQLITE_FULL' });
    expect(ready.body.checks.store.reason).toMatch(/is full/);
    expect(ready.body.reasons).toEqual([ready.body.checks.store.reason]);

    // Room again: readiness remembers the failed writes for 30 s (a flush-time full disk does
    // not show in its rolled-back test write), then answers 200.
    const remembered = await readiness();
    expect(remembered.status).toBe(503);
    expect(remembered.body.checks.store.reason).toMatch(/a request's write failed/);
    svc.clock.advance(31_000);
    expect((await readiness()).status).toBe(200);
    expect(
      (await browser.post('/login', { identifier: 'nobody-after', password: 'wrong guess' }))
        .status,
    ).toBe(401);
  }, 60_000);

  it('read-only: a sign-in, a reset request and an admin sign-in answer 503, nothing is written, /readyz says read-only; writable again, service again', async () => {
    const username = 'read-only-sqlite';
    const id = await seedAccount(svc.ctx, { organizationId: org, username });
    const browser = new WebClient(svc.url);
    await browser.csrfToken();
    const stranger = new WebClient(svc.url);
    await stranger.csrfToken();
    const events = await auditRows('sign_in');
    const { signIn, forgot, api, ready } = await whileReadOnly(async () => ({
      signIn: await browser.post('/login', { identifier: username, password: PASSWORD }),
      forgot: await stranger.post('/forgot-password', { identifier: username }),
      api: await fetch(`${svc.url}/api/v1/auth/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password: PASSWORD }),
      }),
      ready: await readiness(),
    }));
    expect(signIn.status).toBe(503);
    expect(signIn.heading).toBe('Service Unavailable');
    expect(forgot.status).toBe(503);
    expect(api.status).toBe(503);
    expect(ApiErrorSchema.parse(await api.json()).error.code).toBe('unavailable');
    expect(ready.status).toBe(503);
    expect(ready.body.checks.store).toMatchObject({ ok: false, code: 'SQLITE_READONLY' });
    expect(ready.body.checks.store.reason).toMatch(/is read-only/);

    const sessions = await svc.ctx.db
      .selectFrom('sessions')
      .select('id')
      .where('account_id', '=', id)
      .execute();
    expect(sessions).toEqual([]);
    expect(await auditRows('sign_in')).toBe(events);
    const requests = await svc.ctx.db.selectFrom('recovery_requests').select('id').execute();
    expect(requests).toEqual([]);

    expect((await readiness()).status).toBe(200);
    expect(
      (await browser.post('/login', { identifier: username, password: PASSWORD })).location,
    ).toBe('/');
  });
});
