import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../service/app.ts';
import { ManualClock } from '../../service/clock.ts';
import { loadConfig } from '../../service/config.ts';
import type { ServiceContext } from '../../service/context.ts';
import {
  MAX_RECOVERY_ATTEMPTS,
  queueRecoveryRequest,
} from '../../service/domain/recovery-requests.ts';
import { MailDispatcher } from '../../service/mail/dispatcher.ts';
import type { OutgoingMail } from '../../service/mail/transports.ts';
import { openService } from '../../service/server.ts';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { clearAuditLog } from '../support/audit-tamper.ts';
import { openTestStore } from '../support/store.ts';

// The recovery pages with no dispatcher running: what a request does on its own path can be
// seen before anything processes it. Dispatchers are then run by hand.

const MINUTE = 60_000;
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

async function post(url: string, form: Record<string, string>): Promise<LightMyRequestResponse> {
  const csrf = await csrfOfLogin();
  return app.inject({
    method: 'POST',
    url,
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
        ip: '192.0.2.7',
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
    expect(outcomes.every((o) => o.ip === '192.0.2.7')).toBe(true);
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
