import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../service/app.ts';
import { ManualClock } from '../../service/clock.ts';
import { loadConfig } from '../../service/config.ts';
import type { ServiceContext } from '../../service/context.ts';
import {
  MAX_RECOVERY_ATTEMPTS,
  MAX_WAITING_REQUESTS,
  processRecoveryRequests,
  QUEUED_PER_IDENTIFIER_PER_HOUR,
  queueRecoveryRequest,
} from '../../service/domain/recovery-requests.ts';
import { newId } from '../../service/ids.ts';
import { MailDispatcher } from '../../service/mail/dispatcher.ts';
import type { OutgoingMail } from '../../service/mail/transports.ts';
import { openService } from '../../service/server.ts';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { clearAuditLog } from '../support/audit-tamper.ts';
import { openTestStore } from '../support/store.ts';

// The recovery pages with no dispatcher running: what a request does on its own path can be
// seen before anything processes it. Dispatchers are then run by hand.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const FORM = 'application/x-www-form-urlencoded';

let store: Awaited<ReturnType<typeof openTestStore>>;
let clock: ManualClock;
let ctx: ServiceContext;
let app: FastifyInstance;

beforeAll(async () => {
  store = await openTestStore();
  clock = new ManualClock(Date.now());
  const config = loadConfig({ DATA_DIR: store.dataDir, LOG_LEVEL: 'silent' });
  ({ ctx } = await openService(config, { store, clock }));
  app = await buildApp(ctx);
  const organizationId = await seedOrganization(ctx, 'Harbor County EMS');
  await seedAccount(ctx, { organizationId, username: 'known.person', email: 'known@example.org' });
  for (let i = 0; i < 12; i += 1)
    await seedAccount(ctx, { organizationId, username: `crew${i}`, email: `crew${i}@example.org` });
});

afterAll(async () => {
  await app?.close();
  await store?.close();
});

beforeEach(async () => {
  for (const table of ['recovery_requests', 'outbox', 'reset_links'] as const)
    await store.db.deleteFrom(table).execute();
  await clearAuditLog(store.db);
  clock.advance(16 * MINUTE); // a fresh per-IP window
});

/** A browser's CSRF cookie and its form's token, from a first visit to Log In. */
async function csrfOfLogin(): Promise<{ cookie: string; token: string }> {
  const first = await app.inject({ method: 'GET', url: '/login' });
  const cookie = first.cookies.find((c) => c.name === 'lk_csrf');
  const token = /name="_csrf" value="([^"]+)"/.exec(first.body)?.[1];
  if (!cookie || !token) throw new Error('no lk_csrf cookie or _csrf field');
  return { cookie: `lk_csrf=${cookie.value}`, token };
}

async function post(
  url: string,
  form: Record<string, string>,
  remoteAddress = '127.0.0.1',
): Promise<LightMyRequestResponse> {
  const csrf = await csrfOfLogin();
  return app.inject({
    method: 'POST',
    url,
    remoteAddress,
    headers: { 'content-type': FORM, cookie: csrf.cookie },
    payload: new URLSearchParams({ ...form, _csrf: csrf.token }).toString(),
  });
}

/** What two responses should share: everything but the date and the cookies. */
const comparable = (r: LightMyRequestResponse) => ({
  status: r.statusCode,
  body: r.body,
  headers: Object.fromEntries(
    Object.entries(r.headers).filter(([name]) => !['date', 'set-cookie'].includes(name)),
  ),
});

const count = async (
  table: 'recovery_requests' | 'outbox' | 'reset_links' | 'audit_events',
): Promise<number> =>
  Number(
    (
      await store.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

/** Requests still waiting to be processed. */
const waiting = async (): Promise<number> =>
  Number(
    (
      await store.db
        .selectFrom('recovery_requests')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('processed_at', 'is', null)
        .executeTakeFirstOrThrow()
    ).n,
  );

/**
 * `n` Reset Your Password requests for identifiers no account has, from many addresses, queued
 * a little before now: the rows the pages write during a flood.
 */
async function flood(n: number): Promise<void> {
  const rows = Array.from({ length: n }, (_, i) => ({
    id: newId(),
    kind: 'password' as const,
    identifier: `flood${i}@nowhere.example`,
    ip: `203.0.113.${i % 250}`,
    created_at: clock.now() - MINUTE + Math.floor(i / 100),
    attempts: 0,
    lease_until: null,
    processed_at: null,
  }));
  for (let i = 0; i < rows.length; i += 500)
    await store.db
      .insertInto('recovery_requests')
      .values(rows.slice(i, i + 500))
      .execute();
}

/** A dispatcher that keeps what it sends; run with drain(). */
function dispatcher(sent: OutgoingMail[], logs: string[] = []): MailDispatcher {
  return new MailDispatcher(ctx, {
    transport: { name: 'memory', send: async (mail) => void sent.push(mail), close: () => {} },
    from: 'Latchkey <no-reply@latchkey.test>',
    messageIdDomain: 'latchkey.test',
    log: (message) => logs.push(message),
  });
}

const auditOutcomes = async (type: string) =>
  (
    await store.db
      .selectFrom('audit_events')
      .select(['detail', 'ip'])
      .where('type', '=', type)
      .execute()
  ).map((e) => ({ ip: e.ip, outcome: (JSON.parse(e.detail) as { outcome: string }).outcome }));

describe('the request path (R1, R2, R5)', () => {
  it('R1/R5: Reset Your Password only queues the request: the same response and one row, known or unknown, and no account work', async () => {
    const known = await post('/forgot-password', { identifier: 'known.person' });
    const unknown = await post('/forgot-password', { identifier: 'nobody.here' });
    expect(known.statusCode).toBe(303);
    expect(known.headers.location).toBe('/forgot-password/sent');
    expect(comparable(unknown)).toEqual(comparable(known));

    // Each request left exactly one queued row, and nothing that depends on the account.
    const queued = await store.db
      .selectFrom('recovery_requests')
      .selectAll()
      .orderBy('identifier')
      .execute();
    expect(queued.map((r) => [r.kind, r.identifier, r.ip, r.processed_at])).toEqual([
      ['password', 'known.person', '127.0.0.1', null],
      ['password', 'nobody.here', '127.0.0.1', null],
    ]);
    expect(await count('audit_events')).toBe(0);
    expect(await count('reset_links')).toBe(0);
    expect(await count('outbox')).toBe(0);

    // The dispatcher does the work: a link for the known account, nothing for the other.
    const sent: OutgoingMail[] = [];
    expect(await dispatcher(sent).drain()).toBe(1);
    expect(sent.map((m) => m.to)).toEqual(['known@example.org']);
    expect(sent[0]?.text).toMatch(/\/reset\/[\w-]{43}/);
    expect(
      (await auditOutcomes('reset_requested')).sort((a, b) => a.outcome.localeCompare(b.outcome)),
    ).toEqual([
      { ip: '127.0.0.1', outcome: 'link' },
      { ip: '127.0.0.1', outcome: 'unknown_account' },
    ]);
  });

  it('R2/R5: Retrieve Forgotten Username only queues the request, and the dispatcher mails the usernames', async () => {
    const known = await post('/forgot-username', { email: 'known@example.org' });
    const unknown = await post('/forgot-username', { email: 'nobody@example.org' });
    expect(known.headers.location).toBe('/forgot-username/sent');
    expect(comparable(unknown)).toEqual(comparable(known));
    expect(await count('recovery_requests')).toBe(2);
    expect(await count('audit_events')).toBe(0);
    expect(await count('outbox')).toBe(0);

    const sent: OutgoingMail[] = [];
    expect(await dispatcher(sent).drain()).toBe(1);
    expect(sent.map((m) => m.to)).toEqual(['known@example.org']);
    expect(sent[0]?.text).toContain('known.person');
    expect(
      (await auditOutcomes('username_reminder_requested')).map((a) => a.outcome).sort(),
    ).toEqual(['sent', 'unknown_address']);
  });

  it('R76: once processed, the text that was typed is gone (it may be a password typed in the wrong box)', async () => {
    const typo = 'tulip orbit saddle lantern';
    await post('/forgot-password', { identifier: typo });
    await post('/forgot-username', { email: 'known@example.org' });
    await dispatcher([]).drain();
    const rows = await store.db.selectFrom('recovery_requests').selectAll().execute();
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.identifier).toBeNull();
      expect(row.processed_at).toBe(clock.now());
      expect(row.lease_until).toBeNull();
    }
    const counters = await store.db.selectFrom('rate_counters').select('bucket').execute();
    expect(counters.map((c) => c.bucket).join(' ')).not.toMatch(/tulip|known@example/);
  });

  it('R43: over the per-IP limit nothing is queued, and the page is the same', async () => {
    const responses: LightMyRequestResponse[] = [];
    for (let i = 0; i < 21; i += 1)
      responses.push(await post('/forgot-password', { identifier: `someone${i}` }));
    expect(new Set(responses.map((r) => r.headers.location))).toEqual(
      new Set(['/forgot-password/sent']),
    );
    expect(await count('recovery_requests')).toBe(20);
  });
});

describe('processing the queue (R81, R83)', () => {
  it('R83: two dispatchers draining at once process every request exactly once', async () => {
    for (let i = 0; i < 12; i += 1) {
      await queueRecoveryRequest(store.db, clock, {
        kind: 'password',
        identifier: `crew${i}`,
        ip: '192.0.2.7',
      });
      await queueRecoveryRequest(store.db, clock, {
        kind: 'password',
        identifier: `ghost${i}`,
        ip: '192.0.2.8',
      });
    }
    const sent: OutgoingMail[] = [];
    await Promise.all([dispatcher(sent).drain(), dispatcher(sent).drain()]);
    expect(sent.map((m) => m.to).sort()).toEqual(
      Array.from({ length: 12 }, (_, i) => `crew${i}@example.org`).sort(),
    );
    expect(await count('reset_links')).toBe(12);
    const outcomes = await auditOutcomes('reset_requested');
    expect(outcomes).toHaveLength(24);
    expect(new Set(outcomes.map((o) => o.ip))).toEqual(new Set(['192.0.2.7', '192.0.2.8']));
    const left = await store.db
      .selectFrom('recovery_requests')
      .select('id')
      .where('processed_at', 'is', null)
      .execute();
    expect(left).toEqual([]);
  });

  it('R83: a request another dispatcher holds is left alone until its lease ends', async () => {
    await queueRecoveryRequest(store.db, clock, {
      kind: 'username',
      identifier: 'known@example.org',
      ip: null,
    });
    await store.db
      .updateTable('recovery_requests')
      .set({ lease_until: clock.now() + MINUTE, attempts: 1 })
      .execute();
    const sent: OutgoingMail[] = [];
    expect(await dispatcher(sent).drain()).toBe(0);
    expect(await count('audit_events')).toBe(0);
    clock.advance(MINUTE + 1);
    expect(await dispatcher(sent).drain()).toBe(1);
    expect(sent.map((m) => m.to)).toEqual(['known@example.org']);
  });

  it(`R76: a request that failed ${MAX_RECOVERY_ATTEMPTS} times is given up, and its text is forgotten`, async () => {
    await queueRecoveryRequest(store.db, clock, {
      kind: 'password',
      identifier: 'known.person',
      ip: null,
    });
    await store.db
      .updateTable('recovery_requests')
      .set({ attempts: MAX_RECOVERY_ATTEMPTS })
      .execute();
    const logs: string[] = [];
    expect(await dispatcher([], logs).drain()).toBe(0);
    expect(logs).toContain('recovery request given up');
    const row = await store.db
      .selectFrom('recovery_requests')
      .selectAll()
      .executeTakeFirstOrThrow();
    expect(row.identifier).toBeNull();
    expect(row.processed_at).not.toBeNull();
    expect(await count('reset_links')).toBe(0);
  });
});

describe('limits on the queue (R43)', () => {
  it('R43/R1: past the hourly limit for one identifier nothing more is queued, known or unknown alike, and the page is the same', async () => {
    clock.advance(HOUR - (clock.now() % HOUR)); // a fresh hour for the per-identifier counters
    const responses: LightMyRequestResponse[] = [];
    for (let i = 1; i <= QUEUED_PER_IDENTIFIER_PER_HOUR + 2; i += 1) {
      // Each from an address of its own: the per-identifier limit, not the per-address one.
      responses.push(
        await post('/forgot-password', { identifier: 'known.person' }, `198.51.100.${i}`),
      );
      responses.push(
        await post('/forgot-password', { identifier: 'nobody.here' }, `198.51.100.${100 + i}`),
      );
    }
    expect(new Set(responses.map((r) => JSON.stringify(comparable(r)))).size).toBe(1);
    const perIdentifier = async () =>
      (
        await store.db
          .selectFrom('recovery_requests')
          .select(['identifier', (eb) => eb.fn.countAll<number>().as('n')])
          .groupBy('identifier')
          .orderBy('identifier')
          .execute()
      ).map((r) => [r.identifier, Number(r.n)]);
    expect(await perIdentifier()).toEqual([
      ['known.person', QUEUED_PER_IDENTIFIER_PER_HOUR],
      ['nobody.here', QUEUED_PER_IDENTIFIER_PER_HOUR],
    ]);

    clock.advance(HOUR); // a limit, not a ban
    await post('/forgot-password', { identifier: 'known.person' }, '198.51.100.201');
    expect(await perIdentifier()).toEqual([
      ['known.person', QUEUED_PER_IDENTIFIER_PER_HOUR + 1],
      ['nobody.here', QUEUED_PER_IDENTIFIER_PER_HOUR],
    ]);
  });

  it(`R43/R1: with ${MAX_WAITING_REQUESTS} requests waiting nothing more is queued, known or unknown alike, and the page is the same; once they are worked off, requests are queued again`, async () => {
    const before = await post('/forgot-password', { identifier: 'crew1' }, '198.51.100.210');
    await flood(MAX_WAITING_REQUESTS - 1);
    clock.advance(1000); // each process counts the queue at most once a second

    const known = await post('/forgot-password', { identifier: 'known.person' }, '198.51.100.211');
    const unknown = await post('/forgot-password', { identifier: 'nobody.here' }, '198.51.100.212');
    const username = await post(
      '/forgot-username',
      { email: 'known@example.org' },
      '198.51.100.213',
    );
    expect(comparable(known)).toEqual(comparable(before));
    expect(comparable(unknown)).toEqual(comparable(before));
    expect(username.headers.location).toBe('/forgot-username/sent');
    expect(await waiting()).toBe(MAX_WAITING_REQUESTS);

    // The dispatchers catch up (here: as if they had), and the queue takes requests again.
    await store.db
      .updateTable('recovery_requests')
      .set({ processed_at: clock.now(), identifier: null })
      .execute();
    clock.advance(1000);
    await post('/forgot-password', { identifier: 'known.person' }, '198.51.100.214');
    expect(await waiting()).toBe(1);
  });
});

describe('a real reset in a flood (issue 18)', () => {
  it('R1/R5: a reset asked for during a flood of unknown identifiers is emailed in the next pass, while most of the flood still waits', async () => {
    await flood(2000);
    await post('/forgot-password', { identifier: 'known.person' }, '198.51.100.220');
    const sent: OutgoingMail[] = [];
    let waitingWhenSent = -1;
    const dispatcher = new MailDispatcher(ctx, {
      transport: {
        name: 'memory',
        async send(mail) {
          if (mail.to === 'known@example.org') waitingWhenSent = await waiting();
          sent.push(mail);
        },
        close: () => {},
      },
      from: 'Latchkey <no-reply@latchkey.test>',
      messageIdDomain: 'latchkey.test',
    });
    await dispatcher.drain();

    expect(sent.map((m) => m.to)).toEqual(['known@example.org']);
    // It went out with the first batch, most of the flood still waiting (it used to be last).
    expect(waitingWhenSent).toBeGreaterThan(1000);
    expect(await waiting()).toBe(0);
    const outcomes = (await auditOutcomes('reset_requested')).map((o) => o.outcome);
    expect(outcomes.filter((o) => o === 'unknown_account')).toHaveLength(2000);
    expect(outcomes.filter((o) => o === 'link')).toHaveLength(1);
  });

  it('R9/R76: one pass settles many requests for unknown identifiers together, exactly as it would one by one', async () => {
    await flood(300);
    expect(await processRecoveryRequests(ctx, 250)).toBe(250);
    expect(await waiting()).toBe(50);
    const done = await store.db
      .selectFrom('recovery_requests')
      .select(['identifier', 'lease_until', 'attempts', 'ip'])
      .where('processed_at', '=', clock.now())
      .execute();
    expect(done).toHaveLength(250);
    expect(done.every((r) => r.identifier === null && r.lease_until === null)).toBe(true);
    expect(done.every((r) => r.attempts === 1)).toBe(true);
    const outcomes = await auditOutcomes('reset_requested');
    expect(outcomes).toHaveLength(250);
    expect(outcomes.every((o) => o.outcome === 'unknown_account')).toBe(true);
    // Each event with its own request's address.
    expect(outcomes.map((o) => o.ip).sort()).toEqual(done.map((r) => r.ip).sort());
  });
});
