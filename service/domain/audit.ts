import { createHash } from 'node:crypto';
import { PostgresAdapter, sql } from 'kysely';
import type { Clock } from '../clock.ts';
import type { Db } from '../context.ts';
import { newId } from '../ids.ts';
import type { AuditEventTable } from '../store/schema.ts';

/** The closed set of audit event types the account service writes. */
export type AuditType =
  | 'sign_in'
  | 'sign_in_failed'
  | 'lockout'
  | 'sign_out'
  | 'username_reminder_requested'
  | 'reset_requested'
  | 'reset_link_opened'
  | 'challenge_passed'
  | 'challenge_failed'
  | 'password_changed'
  | 'password_rehashed'
  | 'security_question_set'
  | 'mail_sent'
  | 'mail_failed'
  | 'mail_dropped'
  | 'account_created'
  | 'account_imported'
  | 'admin_sign_in'
  | 'admin_sign_out'
  | 'admin_token_reuse'
  | 'totp_enrolled'
  | 'caller_verification'
  | 'admin_action'
  /** An administrator asked for something their role does not allow (R67, R75). */
  | 'authz_fail';

export interface AuditEntry {
  type: AuditType;
  accountId?: string | null;
  organizationId?: string | null;
  /** `self`, `system`, or the acting administrator's account id. */
  actor?: string;
  ip?: string | null;
  /** Outcome and reason; never a password, answer or token (R36). */
  detail?: Record<string, unknown>;
}

/** The `prev_hash` of the first event. */
export const AUDIT_GENESIS = '0'.repeat(64);

type AuditRow = Omit<AuditEventTable, 'seq' | 'prev_hash' | 'hash'>;

/** The hash that links an event to the one before it, over every stored field. */
export function auditHash(prevHash: string, seq: number, row: AuditRow): string {
  const fields = [
    seq,
    row.id,
    row.at,
    row.type,
    row.account_id,
    row.organization_id,
    row.actor,
    row.ip,
    row.detail,
  ];
  return createHash('sha256')
    .update(`${prevHash}\n${JSON.stringify(fields)}`)
    .digest('hex');
}

function toRow(clock: Clock, entry: AuditEntry): AuditRow {
  return {
    id: newId(),
    at: clock.now(),
    type: entry.type,
    account_id: entry.accountId ?? null,
    organization_id: entry.organizationId ?? null,
    actor: entry.actor ?? 'self',
    ip: entry.ip ?? null,
    detail: JSON.stringify(entry.detail ?? {}),
  };
}

const CHAIN_LOCK = 7_461_746; // any constant: the advisory lock that orders audit writes on PostgreSQL

async function appendChained(trx: Db, rows: AuditRow[]): Promise<void> {
  if (trx.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`select pg_advisory_xact_lock(${CHAIN_LOCK})`.execute(trx);
  }
  const last = await trx
    .selectFrom('audit_events')
    .select(['seq', 'hash'])
    .where('seq', 'is not', null)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  let seq = last?.seq ?? 0;
  let prev = last?.hash ?? AUDIT_GENESIS;
  const chained = rows.map((row) => {
    seq += 1;
    const hash = auditHash(prev, seq, row);
    const out = { ...row, seq, prev_hash: prev, hash };
    prev = hash;
    return out;
  });
  for (let i = 0; i < chained.length; i += 500) {
    await trx
      .insertInto('audit_events')
      .values(chained.slice(i, i + 500))
      .execute();
  }
}

/**
 * Appends events to the hash-chained log (each carries the hash of the one before, so
 * tampering shows); call it inside the transaction of the change it records.
 */
export async function recordAuditBatch(db: Db, clock: Clock, entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const rows = entries.map((e) => toRow(clock, e));
  if (db.isTransaction) await appendChained(db, rows);
  else await db.transaction().execute((trx) => appendChained(trx, rows));
}

/** Appends one event; call it inside the transaction of the change it records. */
export async function recordAudit(db: Db, clock: Clock, entry: AuditEntry): Promise<void> {
  await recordAuditBatch(db, clock, [entry]);
}
