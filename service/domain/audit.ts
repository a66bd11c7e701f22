import { createHash } from 'node:crypto';
import { PostgresAdapter, sql } from 'kysely';
import type { Clock } from '../clock.ts';
import type { AuditEventTable, Db } from '../store/schema.ts';
import { newId } from '../ids.ts';
import { auditKeysFor, type AuditKey } from './audit-keys.ts';

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
  | 'authz_fail'
  /** Signed in to a product through OpenID Connect (issue 14). */
  | 'product_sign_in'
  | 'product_access_denied'
  /** A back-channel logout token reached a product, or was given up on. */
  | 'product_logout_delivered'
  | 'product_logout_failed'
  | 'oidc_client_registered'
  | 'oidc_client_removed'
  | 'oidc_key_rotated';

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

/** An event's content: what the chain's links cover besides the position. */
type AuditRow = Omit<AuditEventTable, 'seq' | 'prev_hash' | 'hash' | 'key_id'>;

/** What a link of the chain covers: the previous link and every stored field of the event. */
function chainText(prevHash: string, seq: number, row: AuditRow): string {
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
  return `${prevHash}\n${JSON.stringify(fields)}`;
}

/**
 * The plain SHA-256 link of the legacy segment: the events written before migration 008
 * (key_id null). Anyone with the database can recompute it, so it shows accidents, not intent.
 */
export function auditHash(prevHash: string, seq: number, row: AuditRow): string {
  return createHash('sha256')
    .update(chainText(prevHash, seq, row))
    .digest('hex');
}

/**
 * The keyed link (R78): HMAC-SHA-256 under a key kept outside the database, over the same
 * fields and the key's id, so rewriting the chain needs the key, not only the database.
 */
export function auditMac(key: AuditKey, prevHash: string, seq: number, row: AuditRow): string {
  return key.mac(`${chainText(prevHash, seq, row)}\n${key.id}`);
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

// Any constant: with the schema, the key of the advisory lock that orders audit writes on
// PostgreSQL (migration 012).
const CHAIN_LOCK = 7_461_746;

/**
 * The chain's last event. On PostgreSQL, read under the chain's lock (held to the commit) in
 * one round trip; SQLite's writers are already one at a time (BEGIN IMMEDIATE).
 */
async function chainHead(trx: Db): Promise<{ seq: number; hash: string } | undefined> {
  if (trx.getExecutor().adapter instanceof PostgresAdapter) {
    const { rows } = await sql<{ last_seq: number; last_hash: string }>`
      select last_seq, last_hash from audit_chain_head(${CHAIN_LOCK})`.execute(trx);
    const head = rows[0];
    return head && { seq: head.last_seq, hash: head.last_hash };
  }
  return trx
    .selectFrom('audit_events')
    .select(['seq', 'hash'])
    .where('seq', 'is not', null)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
}

async function appendChained(trx: Db, key: AuditKey, rows: AuditRow[]): Promise<void> {
  const last = await chainHead(trx);
  let seq = last?.seq ?? 0;
  let prev = last?.hash ?? AUDIT_GENESIS;
  const chained = rows.map((row) => {
    seq += 1;
    const hash = auditMac(key, prev, seq, row);
    const out = { ...row, seq, prev_hash: prev, hash, key_id: key.id };
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
 * Appends events to the keyed chain (each carries a MAC over itself and the one before, under
 * the key bound to `db`, so tampering shows); call it inside the transaction of the change it
 * records.
 */
export async function recordAuditBatch(db: Db, clock: Clock, entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const key = auditKeysFor(db).current;
  const rows = entries.map((e) => toRow(clock, e));
  if (db.isTransaction) await appendChained(db, key, rows);
  else await db.transaction().execute((trx) => appendChained(trx, key, rows));
}

/** Appends one event; call it inside the transaction of the change it records. */
export async function recordAudit(db: Db, clock: Clock, entry: AuditEntry): Promise<void> {
  await recordAuditBatch(db, clock, [entry]);
}
