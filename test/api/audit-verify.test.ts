import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuditKey, auditKeysFor } from '../../service/domain/audit-keys.ts';
import { auditHash, auditMac, recordAuditBatch } from '../../service/domain/audit.ts';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { ApiClient, seedAdmin, signedInClient } from '../support/admin.ts';
import {
  rechain,
  restoreAuditLog,
  snapshotAuditLog,
  withoutAuditGuard,
} from '../support/audit-tamper.ts';
import { startTestService, type TestService } from '../support/service.ts';

// GET /api/v1/audit/verify over real HTTP: the chain check the console's Audit screen shows,
// against the latest checkpoint of the chain's head (R78).

interface Verification {
  ok: boolean;
  events?: number | null;
  head?: { seq: number; hash: string } | null;
  checkpoint?: { seq: number; at: number } | null;
  seq?: number | null;
  reason?: string;
  checkedAt: number;
  error?: { code: string };
}

let svc: TestService;
let north: string;
let south: string;
let superApi: ApiClient;
let northAdmin: ApiClient;
let southAdmin: ApiClient;
let northHelp: ApiClient;

beforeAll(async () => {
  // Checkpoints only when a test asks (writeNow), so each knows where the last one is.
  svc = await startTestService({ env: { AUDIT_CHECKPOINT_INTERVAL: '1h' } });
  const home = await seedOrganization(svc.ctx, 'Verify Home', { adminTotpExempt: true });
  north = await seedOrganization(svc.ctx, 'Verify North', { adminTotpExempt: true });
  south = await seedOrganization(svc.ctx, 'Verify South', { adminTotpExempt: true });
  await seedAdmin(svc.ctx, { organizationId: home, username: 'verify-super', role: 'super_admin' });
  await seedAdmin(svc.ctx, {
    organizationId: north,
    username: 'verify-north',
    role: 'administrator',
  });
  await seedAdmin(svc.ctx, {
    organizationId: south,
    username: 'verify-south',
    role: 'administrator',
  });
  await seedAdmin(svc.ctx, { organizationId: north, username: 'verify-help', role: 'helpdesk' });
  const [n, s] = await Promise.all([
    seedAccount(svc.ctx, { organizationId: north, username: 'verify-nina' }),
    seedAccount(svc.ctx, { organizationId: south, username: 'verify-sam' }),
  ]);
  await recordAuditBatch(
    svc.ctx.db,
    svc.clock,
    Array.from({ length: 40 }, (_, i) => ({
      type: 'sign_in' as const,
      accountId: i % 2 ? n : s,
      organizationId: i % 2 ? north : south,
      detail: { i },
    })),
  );
  [superApi, northAdmin, southAdmin, northHelp] = await Promise.all([
    signedInClient(svc.url, 'verify-super'),
    signedInClient(svc.url, 'verify-north'),
    signedInClient(svc.url, 'verify-south'),
    signedInClient(svc.url, 'verify-help'),
  ]);
  await svc.checkpoints.writeNow();
});
afterAll(async () => svc?.close());

const verify = (api: ApiClient) => api.get<Verification>('/api/v1/audit/verify');

/** The number of events in the log and the last one, straight from the store. */
async function chainHead() {
  const rows = await svc.ctx.db
    .selectFrom('audit_events')
    .select(['seq', 'hash'])
    .orderBy('seq', 'desc')
    .execute();
  return { events: rows.length, head: rows[0] };
}

describe('GET /api/v1/audit/verify', () => {
  it('R78: a super-administrator is told the chain is intact, its length and its head', async () => {
    const response = await verify(superApi);
    const { events, head } = await chainHead();
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      ok: true,
      events,
      head: { seq: Number(head?.seq), hash: head?.hash },
      checkpoint: { seq: Number(head?.seq), at: svc.clock.now() },
      checkedAt: svc.clock.now(),
    });
    expect(events).toBeGreaterThanOrEqual(40);
  });

  it('R67: an organization’s administrator learns the chain is intact, but not how long it is', async () => {
    const response = await verify(northAdmin);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      ok: true,
      events: null,
      head: null,
      checkedAt: svc.clock.now(),
    });
  });

  it('R67: checking the chain needs read_audit (the default helpdesk has none)', async () => {
    const response = await verify(northHelp);
    expect(response.status).toBe(403);
    expect(response.body.error?.code).toBe('forbidden');
  });

  it('R78: an edited event breaks the chain; it is located for those who may read it, and only for them', async () => {
    const victim = await svc.ctx.db
      .selectFrom('audit_events')
      .select(['seq', 'id'])
      .where('organization_id', '=', south)
      .orderBy('seq', 'asc')
      .executeTakeFirstOrThrow();
    const seq = Number(victim.seq);
    await tampered(() =>
      svc.ctx.db
        .updateTable('audit_events')
        .set({ detail: JSON.stringify({ i: 'rewritten' }) })
        .where('id', '=', victim.id)
        .execute(),
    );

    const altered = `event ${seq} was altered: its content no longer matches its MAC (an edited row, or a chain recomputed with another key)`;
    const bySuper = await verify(superApi);
    expect(bySuper.body).toMatchObject({ ok: false, seq, reason: altered });
    const bySouth = await verify(southAdmin);
    expect(bySouth.body).toMatchObject({ ok: false, seq, reason: altered });
    // North may not read south's events: told the log is broken, not where or what.
    const byNorth = await verify(northAdmin);
    expect(byNorth.status).toBe(200);
    expect(byNorth.body).toMatchObject({ ok: false, seq: null });
    expect(byNorth.body.reason).toMatch(/outside your organizations/);
    expect(byNorth.body.reason).not.toContain(String(seq));
  });

  it('R78: deleting the newest events is reported against the checkpoint, naming the first one gone', async () => {
    const checkpoint = await svc.checkpoints.writeNow();
    const seq = checkpoint?.seq ?? 0;
    await tampered(() =>
      svc.ctx.db
        .deleteFrom('audit_events')
        .where('seq', '>', seq - 3)
        .execute(),
    );
    const bySuper = await verify(superApi);
    expect(bySuper.body).toMatchObject({
      ok: false,
      seq: seq - 2,
      reason: `events ${seq - 2} to ${seq} were deleted: the log ends at event ${seq - 3}, but the checkpoint of ${checkpoint?.time} recorded event ${seq}`,
    });
    // Nobody may read a deleted event: an organization's administrator learns only that it broke.
    const bySouth = await verify(southAdmin);
    expect(bySouth.body).toMatchObject({ ok: false, seq: null });
    expect(bySouth.body.reason).toMatch(/no longer in the log/);
  });

  it('R78: deleting a middle event and re-chaining the rest with plain SHA-256 is reported at its seq', async () => {
    const middle = Math.floor((await chainHead()).events / 2);
    await tampered(() =>
      rechain(svc.ctx.db, {
        from: middle,
        without: middle,
        relink: (prev, seq, row) => ({ hash: auditHash(prev, seq, row), key_id: null }),
      }),
    );
    const bySuper = await verify(superApi);
    expect(bySuper.body).toMatchObject({ ok: false, seq: middle });
    expect(bySuper.body.reason).toMatch(
      new RegExp(`^event ${middle} was rewritten: it has a plain SHA-256 hash and no key`),
    );
  });

  it('R78: deleting a middle event and re-chaining with HMAC under a wrong key is reported at its seq', async () => {
    const middle = Math.floor((await chainHead()).events / 2);
    const wrong = new AuditKey(randomBytes(32));
    const claimed = auditKeysFor(svc.ctx.db).current.id;
    await tampered(() =>
      rechain(svc.ctx.db, {
        from: middle,
        without: middle,
        relink: (prev, seq, row) => ({ hash: auditMac(wrong, prev, seq, row), key_id: claimed }),
      }),
    );
    const bySuper = await verify(superApi);
    expect(bySuper.body).toMatchObject({
      ok: false,
      seq: middle,
      reason: `event ${middle} was altered: its content no longer matches its MAC (an edited row, or a chain recomputed with another key)`,
    });
  });

  it('R78: the log put back as it was verifies against the checkpoint again', async () => {
    const response = await verify(superApi);
    expect(response.body).toMatchObject({ ok: true, checkpoint: { seq: expect.any(Number) } });
  });
});

let untouched: Awaited<ReturnType<typeof snapshotAuditLog>> | undefined;

/** Tampers with the log as someone with the table owner's rights; afterEach puts it back. */
async function tampered(attack: () => Promise<unknown>): Promise<void> {
  untouched = await snapshotAuditLog(svc.ctx.db);
  await withoutAuditGuard(svc.ctx.db, attack);
}

afterEach(async () => {
  if (untouched) await restoreAuditLog(svc.ctx.db, untouched);
  untouched = undefined;
});
