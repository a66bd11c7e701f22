import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SERVICE_CLI } from '../../scripts/service-process.ts';
import type { Db } from '../../service/store/schema.ts';
import { ManualClock } from '../../service/clock.ts';
import { verifyAuditChain } from '../../service/domain/admin/audit-verify.ts';
import { auditKeysFor } from '../../service/domain/audit-keys.ts';
import { auditMac, recordAuditBatch } from '../../service/domain/audit.ts';
import { withoutAuditGuard } from '../support/audit-tamper.ts';
import { openTestStore } from '../support/store.ts';

// The audit log's hash chain (R78), each case on a store of its own: how `verify-audit` names
// an edited, deleted, reordered or slipped-in event. The live service's log is checked in
// audit.test.ts.

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
        // What `npm run service -- verify-audit` runs, without npm's start-up.
        const { stdout, stderr } = await run(process.execPath, [SERVICE_CLI, 'verify-audit'], {
          env,
          timeout: 60_000,
        });
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
