import { PostgresAdapter, sql } from 'kysely';
import type { AuditEventTable, Db } from '../../service/store/schema.ts';
import { AUDIT_GENESIS } from '../../service/domain/audit.ts';

const isPostgres = (db: Db) => db.getExecutor().adapter instanceof PostgresAdapter;

/**
 * Runs `work` with the append-only triggers of audit_events (migration 008) out of the way, as
 * someone with the table owner's rights could, then puts them back: how a test edits or
 * deletes audit events to play the attacker, or starts from an empty log.
 */
export async function withoutAuditGuard<T>(db: Db, work: () => Promise<T>): Promise<T> {
  if (isPostgres(db)) {
    await sql`alter table audit_events disable trigger user`.execute(db);
    try {
      return await work();
    } finally {
      await sql`alter table audit_events enable trigger user`.execute(db);
    }
  }
  // SQLite cannot disable a trigger: drop each and recreate it from its own stored SQL.
  const triggers = await sql<{ name: string; sql: string }>`
    select name, sql from sqlite_master where type = 'trigger' and tbl_name = 'audit_events'`.execute(
    db,
  );
  for (const t of triggers.rows) await sql`drop trigger ${sql.id(t.name)}`.execute(db);
  try {
    return await work();
  } finally {
    for (const t of triggers.rows) await sql.raw(t.sql).execute(db);
  }
}

/** Empties the audit log between tests (the store itself refuses DELETE on it). */
export async function clearAuditLog(db: Db): Promise<void> {
  await withoutAuditGuard(db, () => db.deleteFrom('audit_events').execute());
}

/** How an attacker links a rewritten event: its new hash and the key id it claims. */
export type Relink = (
  prevHash: string,
  seq: number,
  row: AuditEventTable,
) => { hash: string; key_id: string | null };

/**
 * Rewrites the chain from event `from` on, leaving out event `without` (if given) and
 * renumbering the rest, each linked by `relink`: a deleted event covered up by recomputing.
 */
export async function rechain(
  db: Db,
  options: { from: number; without?: number; relink: Relink },
): Promise<void> {
  const { from, without, relink } = options;
  await withoutAuditGuard(db, async () => {
    const before = await db
      .selectFrom('audit_events')
      .select('hash')
      .where('seq', '=', from - 1)
      .executeTakeFirst();
    const rows = await db
      .selectFrom('audit_events')
      .selectAll()
      .where('seq', '>=', from)
      .orderBy('seq', 'asc')
      .execute();
    await db.deleteFrom('audit_events').where('seq', '>=', from).execute();
    let prev = before?.hash ?? AUDIT_GENESIS;
    let seq = from;
    for (const row of rows.filter((r) => Number(r.seq) !== without)) {
      const link = relink(prev, seq, row);
      await db
        .insertInto('audit_events')
        .values({ ...row, seq, prev_hash: prev, ...link })
        .execute();
      prev = link.hash;
      seq += 1;
    }
  });
}

/** Every event as it is now, to put back with restoreAuditLog after a test has tampered. */
export const snapshotAuditLog = (db: Db) =>
  db.selectFrom('audit_events').selectAll().orderBy('seq', 'asc').execute();

/** Puts the log back exactly as snapshotAuditLog found it. */
export async function restoreAuditLog(db: Db, rows: AuditEventTable[]): Promise<void> {
  await withoutAuditGuard(db, async () => {
    await db.deleteFrom('audit_events').execute();
    for (let i = 0; i < rows.length; i += 200)
      await db
        .insertInto('audit_events')
        .values(rows.slice(i, i + 200))
        .execute();
  });
}
