import { sql } from 'kysely';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LivenessSchema, ReadinessSchema } from '../../common/api/health.ts';
import { ManualClock } from '../../service/clock.ts';
import { loadConfig } from '../../service/config.ts';
import { startService, type RunningService } from '../../service/server.ts';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { startTestService, WebClient, type TestService } from '../support/service.ts';
import { openTestStore } from '../support/store.ts';

// Issue 18: GET /healthz answers 200 while the store answers a read (SPEC §5); GET
// /readyz answers 503 with a reason for each thing that keeps this process from serving: a
// store that cannot write, migrations pending or newer than this build, a mail dispatcher
// stuck in one pass, a search index building past its budget. One test per reason.

const isPostgres = () => /^postgres/.test(process.env.DATABASE_URL ?? '');

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => {
  await svc?.close();
});

async function readiness(url = svc.url) {
  const response = await fetch(`${url}/readyz`);
  return { status: response.status, body: ReadinessSchema.parse(await response.json()) };
}

async function until(condition: () => Promise<boolean>, what: string, ms = 30_000) {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > ms) throw new Error(`waited ${ms} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Holds a lock in a transaction of its own until `release` is called. */
async function holdLock(db: TestService['ctx']['db'], statement: ReturnType<typeof sql>) {
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked = () => {};
  const holding = new Promise<void>((resolve) => (locked = resolve));
  const done = db.transaction().execute(async (trx) => {
    await statement.execute(trx);
    locked();
    await released;
  });
  await holding;
  return async () => {
    release();
    await done;
  };
}

describe('GET /readyz and /healthz', () => {
  it('ready: 200 with every check passed, no reasons; /healthz says ok (the store answers a read)', async () => {
    const { status, body } = await readiness();
    expect(status).toBe(200);
    expect(body.status).toBe('ready');
    expect(body.reasons).toEqual([]);
    expect(Object.values(body.checks).every((c) => c.ok)).toBe(true);
    expect(body.checks.migrations).toMatchObject({ pending: [], unknown: [] });
    const health = await fetch(`${svc.url}/healthz`);
    expect(health.status).toBe(200);
    expect(LivenessSchema.parse(await health.json()).status).toBe('ok');
    expect(health.headers.get('cache-control')).toBe('no-store');
  });

  it('store cannot write: 503 naming it (SQLite: read-only; PostgreSQL: a lock held past lock_timeout), while /healthz stays 200', async () => {
    const { db } = svc.ctx;
    let release: () => Promise<void>;
    if (isPostgres()) {
      release = await holdLock(db, sql`lock table rate_counters in access exclusive mode`);
    } else {
      await sql`pragma query_only = 1`.execute(db);
      release = async () => {
        await sql`pragma query_only = 0`.execute(db);
      };
    }
    let during;
    try {
      during = await readiness();
      expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
    } finally {
      await release();
    }
    expect(during.status).toBe(503);
    expect(during.body.status).toBe('not_ready');
    const store = during.body.checks.store;
    expect(store.ok).toBe(false);
    if (isPostgres()) {
      expect(store.code).toBe('55P03');
      expect(store.reason).toMatch(/^store: a test write failed: the store is busy/);
    } else {
      expect(store.code).toBe('SQLITE_READONLY');
      expect(store.reason).toMatch(/^store: a test write failed: the store is read-only/);
    }
    expect(during.body.reasons).toEqual([store.reason]);
    expect((await readiness()).status).toBe(200);
  }, 30_000);

  it('migrations newer than this build: 503 "written by a newer Latchkey", naming the migration', async () => {
    await sql`insert into kysely_migration (name, timestamp)
      values ('999-from-a-newer-latchkey', ${new Date().toISOString()})`.execute(svc.ctx.db);
    let during;
    try {
      during = await readiness();
    } finally {
      await sql`delete from kysely_migration where name = '999-from-a-newer-latchkey'`.execute(
        svc.ctx.db,
      );
    }
    expect(during.status).toBe(503);
    expect(during.body.checks.migrations).toMatchObject({
      ok: false,
      unknown: ['999-from-a-newer-latchkey'],
      pending: [],
    });
    expect(during.body.reasons).toEqual([
      expect.stringMatching(
        /written by a newer Latchkey \(migration 999-from-a-newer-latchkey is unknown to this version\)/,
      ),
    ]);
    expect((await readiness()).status).toBe(200);
  });

  it('migrations pending: 503 naming the migration not yet run', async () => {
    const name = '009-verification-use';
    const row = await sql<{ timestamp: string }>`
      select timestamp from kysely_migration where name = ${name}`.execute(svc.ctx.db);
    const timestamp = row.rows[0]?.timestamp ?? '';
    await sql`delete from kysely_migration where name = ${name}`.execute(svc.ctx.db);
    let during;
    try {
      during = await readiness();
    } finally {
      await sql`insert into kysely_migration (name, timestamp) values (${name}, ${timestamp})`.execute(
        svc.ctx.db,
      );
    }
    expect(during.status).toBe(503);
    expect(during.body.checks.migrations).toMatchObject({ ok: false, pending: [name] });
    expect(during.body.reasons).toEqual([
      expect.stringMatching(/009-verification-use not yet run/),
    ]);
    expect((await readiness()).status).toBe(200);
  });
});

describe('GET /readyz: a mail dispatcher stuck in one pass', () => {
  let mailSvc: TestService;
  let smtp: SMTPServer;
  const held: Array<() => void> = [];
  let received = 0;

  beforeAll(async () => {
    // A real SMTP server that takes a message's data and never acknowledges it (until told):
    // the dispatcher's pass waits on it, as on a mail server that hangs.
    smtp = new SMTPServer({
      disabledCommands: ['AUTH', 'STARTTLS'],
      authOptional: true,
      logger: false,
      disableReverseLookup: true,
      onData(stream, _session, callback) {
        stream.resume();
        stream.on('end', () => {
          received += 1;
          held.push(() => callback());
        });
      },
    });
    smtp.on('error', () => {});
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const port = (smtp.server.address() as AddressInfo).port;
    mailSvc = await startTestService({ env: { SMTP_URL: `smtp://127.0.0.1:${port}` } });
  });
  afterAll(async () => {
    for (const release of held.splice(0)) release();
    await mailSvc?.close();
    await new Promise<void>((resolve) => smtp?.close(() => resolve()));
  });

  it('past READY_MAIL_STALL (2 min) in one pass: 503 naming the dispatcher; answered, ready again', async () => {
    const org = await seedOrganization(mailSvc.ctx, 'Slow Mail Clinic');
    await seedAccount(mailSvc.ctx, { organizationId: org, username: 'slow-mail' });
    const browser = new WebClient(mailSvc.url);
    expect((await browser.post('/forgot-password', { identifier: 'slow-mail' })).status).toBe(303);
    await until(async () => received >= 1, 'the reset email at the SMTP server');

    const sending = await readiness(mailSvc.url);
    expect(sending.status).toBe(200);
    expect(sending.body.checks.mailDispatcher).toMatchObject({ ok: true, busyForMs: 0 });
    mailSvc.clock.advance(3 * 60_000);
    const stuck = await readiness(mailSvc.url);
    expect(stuck.status).toBe(503);
    expect(stuck.body.checks.mailDispatcher).toMatchObject({ ok: false, busyForMs: 180_000 });
    expect(stuck.body.reasons).toEqual([
      expect.stringMatching(
        /^mail dispatcher: one pass has run for 180 s, past its budget of 120 s \(READY_MAIL_STALL\)/,
      ),
    ]);

    for (const release of held.splice(0)) release();
    await until(async () => (await readiness(mailSvc.url)).status === 200, 'ready again');
  }, 60_000);
});

describe.skipIf(!isPostgres())('GET /readyz: a search index building past its budget', () => {
  // PostgreSQL only (skipped on the SQLite pass): a lock on `accounts` holds the build where it
  // is for as long as the test needs; on SQLite nothing can hold a reader (WAL), and a build
  // big enough to watch would make the test a race.
  let store: Awaited<ReturnType<typeof openTestStore>>;
  let running: RunningService | undefined;
  afterAll(async () => {
    await running?.close();
    await store?.close();
  });

  it('past READY_INDEX_BUILD (3 min): 503 naming the index; built, ready again', async () => {
    store = await openTestStore();
    const clock = new ManualClock(Date.now());
    const release = await holdLock(store.db, sql`lock table accounts in access exclusive mode`);
    try {
      const config = loadConfig({
        DATA_DIR: store.dataDir,
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'silent',
        SEARCH_INDEX: 'memory',
        // Whatever else waits on the lock, only the index is judged here.
        READY_MAIL_STALL: '1h',
      });
      running = await startService(config, { store, clock, mailPollMs: 50 });
      const url = running.url;
      const building = await readiness(url);
      expect(building.status).toBe(200);
      expect(building.body.checks.searchIndex).toMatchObject({ ok: true, state: 'building' });
      clock.advance(4 * 60_000);
      const late = await readiness(url);
      expect(late.status).toBe(503);
      expect(late.body.checks.searchIndex).toMatchObject({
        ok: false,
        state: 'building',
        buildingForMs: 240_000,
      });
      expect(late.body.reasons).toEqual([
        expect.stringMatching(
          /^search index: building for 240 s, past its budget of 180 s \(READY_INDEX_BUILD\); the store answers searches meanwhile/,
        ),
      ]);
    } finally {
      await release();
    }
    const url = running.url;
    await until(async () => (await readiness(url)).status === 200, 'ready again');
    expect((await readiness(url)).body.checks.searchIndex).toMatchObject({
      ok: true,
      state: 'ready',
    });
  }, 60_000);
});
