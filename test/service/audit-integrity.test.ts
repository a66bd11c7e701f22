import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { inspect, promisify } from 'node:util';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SERVICE_CLI } from '../../scripts/service-process.ts';
import { ManualClock } from '../../service/clock.ts';
import { loadConfig } from '../../service/config.ts';
import type { Db } from '../../service/store/schema.ts';
import { verifyAuditChain } from '../../service/domain/admin/audit-verify.ts';
import {
  AuditCheckpointWriter,
  readAuditHead,
  readLatestCheckpoint,
  type AuditCheckpoint,
} from '../../service/domain/audit-checkpoints.ts';
import {
  AuditKey,
  AuditKeyring,
  auditKeysFor,
  bindAuditKeys,
  loadAuditKeys,
} from '../../service/domain/audit-keys.ts';
import { auditHash, auditMac, recordAuditBatch } from '../../service/domain/audit.ts';
import { openStore } from '../../service/store/database.ts';
import { migrateToLatest } from '../../service/store/migrate.ts';
import { rechain, withoutAuditGuard } from '../support/audit-tamper.ts';
import { startTestService } from '../support/service.ts';
import { openTestStore } from '../support/store.ts';

// R78 on the store itself: the keyed chain, the checkpoints outside the database, the
// append-only triggers, and key rotation. Each test has a store of its own (SQLite, or a
// PostgreSQL schema with DATABASE_URL set).

type TestStore = Awaited<ReturnType<typeof openTestStore>>;

let clock: ManualClock;
beforeEach(() => {
  clock = new ManualClock(Date.UTC(2026, 11, 7, 9, 0, 0));
});
const stores: TestStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

async function freshStore(): Promise<TestStore> {
  const store = await openTestStore();
  stores.push(store);
  return store;
}

const events = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({
    type: 'sign_in_failed' as const,
    ip: '198.51.100.7',
    detail: { i: from + i, outcome: 'wrong_password' },
  }));

const quietLog = () => {
  const lines: Array<{ level: 'info' | 'error'; fields: object; message: string }> = [];
  return {
    lines,
    info: (fields: object, message: string) => lines.push({ level: 'info', fields, message }),
    error: (fields: object, message: string) => lines.push({ level: 'error', fields, message }),
  };
};

/** A store whose chain of `n` events has been checkpointed; answers the checkpoint. */
async function checkpointed(n: number) {
  const store = await freshStore();
  await recordAuditBatch(store.db, clock, events(n));
  const log = quietLog();
  const file = path.join(store.dataDir, 'audit-checkpoints.log');
  const writer = new AuditCheckpointWriter(store.db, { file, intervalMs: 0, clock, log });
  const checkpoint = await writer.writeNow();
  if (!checkpoint) throw new Error('no checkpoint written');
  return { store, file, writer, log, checkpoint };
}

const verify = (db: Db, checkpoint: AuditCheckpoint | null) =>
  verifyAuditChain(db, { checkpoint, pageSize: 4 });

const sha256Link = (prev: string, seq: number, row: Parameters<typeof auditHash>[2]) => ({
  hash: auditHash(prev, seq, row),
  key_id: null,
});

const isPostgres = () => /^postgres/.test(process.env.DATABASE_URL ?? '');

describe('the keyed chain (R78)', () => {
  it('R78: each event is MACed with HMAC-SHA-256 under the key outside the database, and names that key', async () => {
    const store = await freshStore();
    await recordAuditBatch(store.db, clock, events(3));
    const keys = auditKeysFor(store.db);
    const rows = await store.db.selectFrom('audit_events').selectAll().orderBy('seq').execute();
    expect(rows.map((r) => r.key_id)).toEqual([keys.current.id, keys.current.id, keys.current.id]);
    for (const row of rows) {
      expect(row.hash).toBe(auditMac(keys.current, row.prev_hash, Number(row.seq), row));
      expect(row.hash).not.toBe(auditHash(row.prev_hash, Number(row.seq), row));
    }
    expect(await verify(store.db, null)).toMatchObject({ ok: true, events: 3, checkpoint: null });
  });

  // PostgreSQL: the chain's lock and head read (migration 012). SQLite's writers are processes
  // ordered by BEGIN IMMEDIATE; two handles in one process would wait on each other's lock.
  it.skipIf(!isPostgres())(
    'R78: events written at once through two pools of connections (as by two service processes) form one unbroken chain',
    async () => {
      const store = await freshStore();
      // A second handle on the same store: the same SQLite file, or the same PostgreSQL schema.
      const other = await openStore(store.databaseUrl, store.dataDir);
      bindAuditKeys(other.db, auditKeysFor(store.db));
      try {
        // Each write a transaction of its own, racing for the chain's head on either handle.
        const writes = Array.from({ length: 60 }, (_, i) =>
          recordAuditBatch(i % 2 ? other.db : store.db, clock, events(1 + (i % 3), i * 3)),
        );
        await Promise.all(writes);
      } finally {
        await other.close();
      }
      const seqs = await store.db.selectFrom('audit_events').select('seq').orderBy('seq').execute();
      expect(seqs.map((r) => Number(r.seq))).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
      expect(await verify(store.db, null)).toMatchObject({ ok: true, events: 120 });
    },
  );

  it('R78: deleting the newest events is reported against the checkpoint', async () => {
    const { store, checkpoint } = await checkpointed(10);
    await withoutAuditGuard(store.db, () =>
      store.db.deleteFrom('audit_events').where('seq', '>=', 8).execute(),
    );
    expect(await verify(store.db, null)).toMatchObject({ ok: true, events: 7 });
    expect(await verify(store.db, checkpoint)).toEqual({
      ok: false,
      seq: 8,
      reason: `events 8 to 10 were deleted: the log ends at event 7, but the checkpoint of ${checkpoint.time} recorded event 10`,
    });
  });

  it('R78: deleting a middle event and re-chaining the rest with plain SHA-256 is reported at its seq', async () => {
    const { store, checkpoint } = await checkpointed(10);
    await rechain(store.db, { from: 4, without: 4, relink: sha256Link });
    expect(await verify(store.db, checkpoint)).toEqual({
      ok: false,
      seq: 4,
      reason: expect.stringMatching(
        /^event 4 was rewritten: it has a plain SHA-256 hash and no key, after keyed events/,
      ),
    });
  });

  it('R78: deleting a middle event and re-chaining with HMAC under a wrong key is reported at its seq', async () => {
    const { store, checkpoint } = await checkpointed(10);
    const realId = auditKeysFor(store.db).current.id;
    const wrong = new AuditKey(randomBytes(32));
    // Claiming the real key's id: the MAC does not check out.
    await rechain(store.db, {
      from: 6,
      without: 6,
      relink: (prev, seq, row) => ({ hash: auditMac(wrong, prev, seq, row), key_id: realId }),
    });
    expect(await verify(store.db, checkpoint)).toEqual({
      ok: false,
      seq: 6,
      reason: expect.stringMatching(/^event 6 was altered: its content no longer matches its MAC/),
    });
    // Naming its own key: a key this service does not hold.
    await rechain(store.db, {
      from: 6,
      relink: (prev, seq, row) => ({ hash: auditMac(wrong, prev, seq, row), key_id: wrong.id }),
    });
    expect(await verify(store.db, checkpoint)).toEqual({
      ok: false,
      seq: 6,
      reason: expect.stringMatching(
        new RegExp(`^event 6 names audit key ${wrong.id}, which this service does not hold`),
      ),
    });
  });

  it('R78: an edited event is reported at its seq', async () => {
    const { store, checkpoint } = await checkpointed(6);
    await withoutAuditGuard(store.db, () =>
      store.db
        .updateTable('audit_events')
        .set({ ip: '203.0.113.9' })
        .where('seq', '=', 2)
        .execute(),
    );
    expect(await verify(store.db, checkpoint)).toMatchObject({
      ok: false,
      seq: 2,
      reason: expect.stringMatching(/^event 2 was altered/),
    });
  });

  it('R78: a chain recomputed from event 1 as plain SHA-256 (legacy-looking) is caught by the checkpoint, naming its seq', async () => {
    const { store, checkpoint } = await checkpointed(8);
    await rechain(store.db, { from: 1, without: 3, relink: sha256Link });
    // Padded back to the checkpoint's length, so only its MAC gives it away.
    const last = await store.db
      .selectFrom('audit_events')
      .selectAll()
      .where('seq', '=', 7)
      .executeTakeFirstOrThrow();
    const forged = { ...last, id: 'forged-8', seq: 8, prev_hash: last.hash };
    await store.db
      .insertInto('audit_events')
      .values({ ...forged, ...sha256Link(last.hash, 8, forged) })
      .execute();
    expect(await verify(store.db, null)).toMatchObject({ ok: true, events: 8, legacyEvents: 8 });
    expect(await verify(store.db, checkpoint)).toEqual({
      ok: false,
      seq: 8,
      reason: `event 8 does not match the checkpoint of ${checkpoint.time}: the chain was rewritten up to it (events deleted or changed and the links recomputed)`,
    });
  });
});

describe('the append-only store (R78)', () => {
  it('R78: the store refuses UPDATE and DELETE on audit_events (trigger)', async () => {
    const store = await freshStore();
    await recordAuditBatch(store.db, clock, events(3));
    const update = store.db.updateTable('audit_events').set({ actor: 'x' }).where('seq', '=', 2);
    await expect(update.execute()).rejects.toThrow(
      /audit_events is append-only \(R78\): UPDATE refused/,
    );
    const remove = store.db.deleteFrom('audit_events').where('seq', '=', 3);
    await expect(remove.execute()).rejects.toThrow(
      /audit_events is append-only \(R78\): DELETE refused/,
    );
    await expect(store.db.deleteFrom('audit_events').execute()).rejects.toThrow(/append-only/);
    if (store.dialect === 'postgres')
      await expect(sql`truncate audit_events`.execute(store.db)).rejects.toThrow(
        /TRUNCATE refused/,
      );
    else
      await expect(
        sql`insert or replace into audit_events select * from audit_events where seq = 1`.execute(
          store.db,
        ),
      ).rejects.toThrow(/REPLACE refused/);
    expect(await verify(store.db, null)).toMatchObject({ ok: true, events: 3 });
    // New events are still appended.
    await recordAuditBatch(store.db, clock, events(1, 3));
    expect(await verify(store.db, null)).toMatchObject({ ok: true, events: 4 });
  });

  it.skipIf(!isPostgres())(
    'R78: as the application role the README grants (no UPDATE or DELETE), changing audit_events fails with a permission error even without the trigger',
    async () => {
      const store = await freshStore();
      await recordAuditBatch(store.db, clock, events(2));
      const schema = new URL(store.databaseUrl ?? '').searchParams.get('schema') ?? '';
      const role = `lk_app_${randomBytes(4).toString('hex')}`;
      // The README's statements, with this test's schema and a role of its own.
      const grants = [
        `create role ${role} login`,
        `alter role ${role} set search_path = ${schema}`,
        `grant usage on schema ${schema} to ${role}`,
        `grant select, insert, update, delete on all tables in schema ${schema} to ${role}`,
        `revoke update, delete, truncate on ${schema}.audit_events from ${role}`,
      ];
      for (const statement of grants) await sql.raw(statement).execute(store.db);
      const url = new URL(store.databaseUrl ?? '');
      url.username = role;
      url.searchParams.delete('schema');
      // As the service starts: migrations (all applied already by the owner), then its work.
      const app = await openStore(url.toString(), store.dataDir);
      await migrateToLatest(app);
      const asApp = app.db;
      try {
        await sql`alter table audit_events disable trigger user`.execute(store.db);
        const refused = { code: '42501', message: expect.stringMatching(/permission denied/) };
        await expect(
          asApp.updateTable('audit_events').set({ actor: 'x' }).execute(),
        ).rejects.toMatchObject(refused);
        await expect(asApp.deleteFrom('audit_events').execute()).rejects.toMatchObject(refused);
        // The role still appends events, as the service must.
        bindAuditKeys(asApp, auditKeysFor(store.db));
        await recordAuditBatch(asApp, clock, events(1, 2));
        expect(await verify(store.db, null)).toMatchObject({ ok: true, events: 3 });
      } finally {
        await app.close();
        await sql`alter table audit_events enable trigger user`.execute(store.db);
        await sql.raw(`drop owned by ${role}`).execute(store.db);
        await sql.raw(`drop role ${role}`).execute(store.db);
      }
    },
  );
});

describe('keys: rotation, the legacy segment, the key file (R78)', () => {
  it('R78: rotation keeps old rows verifying while the retired key is kept; without it they are reported', async () => {
    const store = await freshStore();
    const old = auditKeysFor(store.db);
    await recordAuditBatch(store.db, clock, events(3));
    const next = new AuditKey(randomBytes(32));
    bindAuditKeys(store.db, new AuditKeyring(next, [old.current]));
    await recordAuditBatch(store.db, clock, events(2, 3));
    const ids = await store.db.selectFrom('audit_events').select('key_id').orderBy('seq').execute();
    expect(ids.map((r) => r.key_id)).toEqual([...Array(3).fill(old.current.id), next.id, next.id]);
    expect(await verify(store.db, null)).toMatchObject({ ok: true, events: 5 });

    bindAuditKeys(store.db, new AuditKeyring(next));
    expect(await verify(store.db, null)).toEqual({
      ok: false,
      seq: 1,
      reason: expect.stringMatching(
        new RegExp(`^event 1 names audit key ${old.current.id}, which this service does not hold`),
      ),
    });
  });

  it('R78: rotation through the key file: a new first line, the old key kept below it', async () => {
    const store = await freshStore();
    await recordAuditBatch(store.db, clock, events(2));
    const file = path.join(store.dataDir, 'audit.key');
    const next = randomBytes(32).toString('hex');
    const oldLines = readFileSync(file, 'utf8');
    writeFileSync(file, `${next}\n${oldLines}`, { mode: 0o600 });
    const rotated = await loadAuditKeys({ key: undefined, previous: [], file });
    bindAuditKeys(store.db, rotated);
    await recordAuditBatch(store.db, clock, events(2, 2));
    expect(rotated.ids).toHaveLength(2);
    expect(await verify(store.db, null)).toMatchObject({ ok: true, events: 4 });
  });

  it('R78: a legacy segment (plain SHA-256, before migration 008) still verifies, and is anchored by the first keyed event', async () => {
    const store = await freshStore();
    let prev = '0'.repeat(64);
    for (let seq = 1; seq <= 3; seq += 1) {
      const row = {
        id: `legacy-${seq}`,
        at: clock.now(),
        type: 'sign_in',
        account_id: null,
        organization_id: null,
        actor: 'self',
        ip: null,
        detail: JSON.stringify({ seq }),
      };
      const hash = auditHash(prev, seq, row);
      await store.db
        .insertInto('audit_events')
        .values({ ...row, seq, prev_hash: prev, hash, key_id: null })
        .execute();
      prev = hash;
    }
    await recordAuditBatch(store.db, clock, events(2));
    expect(await verify(store.db, null)).toMatchObject({ ok: true, events: 5, legacyEvents: 3 });

    // Rewriting the legacy segment consistently breaks the link into the keyed chain.
    await withoutAuditGuard(store.db, () =>
      store.db
        .updateTable('audit_events')
        .set({ detail: '{"seq":"rewritten"}' })
        .where('seq', '=', 2)
        .execute(),
    );
    await rechain(store.db, {
      from: 2,
      relink: (p, seq, row) =>
        row.key_id === null ? sha256Link(p, seq, row) : { hash: row.hash, key_id: row.key_id },
    });
    expect(await verify(store.db, null)).toMatchObject({
      ok: false,
      seq: 4,
      reason: expect.stringMatching(/^event 4 was altered/),
    });
  });

  it('R78: the key file is created at first start, owner-only, and reused; a shared one is refused', async () => {
    const store = await freshStore();
    const file = path.join(store.dataDir, 'audit.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = await loadAuditKeys({ key: undefined, previous: [], file });
    expect(again.current.id).toBe(auditKeysFor(store.db).current.id);
    chmodSync(file, 0o644);
    await expect(loadAuditKeys({ key: undefined, previous: [], file })).rejects.toThrow(
      /^AUDIT_KEY_FILE: .*audit\.key is open to other users \(mode 644\); run chmod 600 on it$/,
    );
  });

  it('R78: AUDIT_KEY is validated naming the variable, never echoed, and never printed with the config', () => {
    const bytes = randomBytes(32);
    const secret = bytes.toString('base64');
    const config = loadConfig({
      AUDIT_KEY: secret,
      AUDIT_KEY_PREVIOUS: randomBytes(40).toString('hex'),
    });
    expect(config.auditKey).toBeInstanceOf(AuditKey);
    expect(config.auditPreviousKeys).toHaveLength(1);
    for (const shown of [JSON.stringify(config), inspect(config, { depth: 9, showHidden: true })]) {
      expect(shown).not.toContain(secret);
      expect(shown).not.toContain(bytes.toString('hex'));
      expect(shown).not.toMatch(/Buffer/);
      expect(shown).toContain(config.auditKey?.id);
    }
    const problem = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return '';
      } catch (error) {
        return String(error);
      }
    };
    const short = randomBytes(16).toString('hex');
    const refused = problem({ AUDIT_KEY: short, AUDIT_KEY_PREVIOUS: `${secret},not-a-key!` });
    expect(refused).toMatch(/AUDIT_KEY: must be at least 32 random bytes as hex or base64/);
    expect(refused).toMatch(/AUDIT_KEY_PREVIOUS: each key \(separated by commas\) must be/);
    expect(refused).not.toContain(short);
    expect(refused).not.toContain(secret);
    expect(() => loadConfig({ AUDIT_CHECKPOINT_INTERVAL: 'often' })).toThrow(
      /AUDIT_CHECKPOINT_INTERVAL: "often" is not a duration/,
    );
  });
});

describe('checkpoints (R78)', () => {
  it('R78: a checkpoint is one JSON line (time, seq, mac, key id) in an owner-only file and one log line, written only when the head moved', async () => {
    const { store, file, writer, log, checkpoint } = await checkpointed(3);
    const keyId = auditKeysFor(store.db).current.id;
    const head = await store.db
      .selectFrom('audit_events')
      .select('hash')
      .where('seq', '=', 3)
      .executeTakeFirstOrThrow();
    expect(checkpoint).toEqual({ time: '2026-12-07T09:00:00.000Z', seq: 3, mac: head.hash, keyId });
    expect(readFileSync(file, 'utf8')).toBe(`${JSON.stringify(checkpoint)}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(log.lines).toEqual([
      { level: 'info', fields: { auditCheckpoint: checkpoint }, message: 'audit checkpoint' },
    ]);

    expect(await writer.writeNow()).toBeNull(); // the head has not moved
    await recordAuditBatch(store.db, clock, events(2, 3));
    clock.advance(10_000);
    await writer.stop(); // a last one at shutdown
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[1] ?? '')).toMatchObject({ time: '2026-12-07T09:00:10.000Z', seq: 5 });
    expect(await readLatestCheckpoint(file)).toMatchObject({ seq: 5 });
  });

  it('R78: the running service checkpoints the head every AUDIT_CHECKPOINT_INTERVAL when it moved, and once more at shutdown', async () => {
    const svc = await startTestService({ env: { AUDIT_CHECKPOINT_INTERVAL: '25ms' } });
    const file = path.join(svc.dataDir, 'audit-checkpoints.log');
    const headSeq = async () => (await readAuditHead(svc.ctx.db))?.seq;
    let first: number | undefined;
    try {
      await recordAuditBatch(svc.ctx.db, svc.clock, events(3));
      first = await headSeq();
      await expect.poll(async () => (await readLatestCheckpoint(file))?.seq).toBe(first);
      await recordAuditBatch(svc.ctx.db, svc.clock, events(2, 3));
    } finally {
      await svc.close();
    }
    const last = await readLatestCheckpoint(file);
    expect(last?.seq).toBe((first ?? 0) + 2);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    // Written when the head moved, not every 25 ms.
    expect(new Set(lines.map((l) => (JSON.parse(l) as AuditCheckpoint).seq)).size).toBe(
      lines.length,
    );
  });

  it('R78: the writer never checkpoints a chain cut below its last checkpoint (that would hide the cut); it logs an error once', async () => {
    const { store, file, writer, log } = await checkpointed(6);
    await withoutAuditGuard(store.db, () =>
      store.db.deleteFrom('audit_events').where('seq', '>=', 5).execute(),
    );
    await recordAuditBatch(store.db, clock, events(3, 10)); // seq 5, 6, 7: longer than before
    expect(await writer.writeNow()).toBeNull();
    expect(await writer.writeNow()).toBeNull();
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(1);
    const errors = log.lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(
      /^audit log no longer matches its checkpoint at event 6: no checkpoint is written/,
    );
    expect(await verify(store.db, await readLatestCheckpoint(file))).toMatchObject({
      ok: false,
      seq: 6,
      reason: expect.stringMatching(/^event 6 does not match the checkpoint/),
    });
  });

  it('R78: the latest checkpoint is the highest seq at the file’s end; a torn or foreign line is passed over', async () => {
    const { file, checkpoint } = await checkpointed(4);
    writeFileSync(file, `not json\n{"seq":99}\n${JSON.stringify(checkpoint)}\n{"time":"2026-1`, {
      flag: 'a',
    });
    expect(await readLatestCheckpoint(file)).toEqual(checkpoint);
    expect(await readLatestCheckpoint(`${file}.absent`)).toBeNull();
  });

  it('R78: `verify-audit` reports newest events deleted against the checkpoint file, naming the seq', async () => {
    const { store } = await checkpointed(5);
    await withoutAuditGuard(store.db, () =>
      store.db.deleteFrom('audit_events').where('seq', '=', 5).execute(),
    );
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATA_DIR: store.dataDir,
      ...(store.databaseUrl ? { DATABASE_URL: store.databaseUrl } : {}),
    };
    delete env.SMTP_URL;
    const run = promisify(execFile);
    const failure = await run(process.execPath, [SERVICE_CLI, 'verify-audit'], {
      env,
      timeout: 60_000,
    }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure.code).toBe(1);
    expect(failure.stderr).toMatch(
      /Audit log BROKEN at event 5: event 5 was deleted: the log ends at event 4, but the checkpoint of 2026-12-07T09:00:00.000Z recorded event 5/,
    );
  });
});
