import { randomInt } from 'node:crypto';
import type { ExpressionBuilder } from 'kysely';
import type { Clock } from '../clock.ts';
import type { Database, Db, OutboxMessage } from '../store/schema.ts';
import type { Dialect } from '../store/database.ts';
import { recordAudit } from './audit.ts';

/** Delay before each retry: the first within 30 s (issue 2), then backing off to an hour. */
export const RETRY_DELAYS_MS = [
  10_000, 30_000, 120_000, 300_000, 900_000, 1_800_000, 3_600_000, 3_600_000,
];
/** After this many failed attempts a message is marked failed and shown as such in the console. */
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
/**
 * A claimed message is left alone by other dispatchers this long (R83): longer than the
 * slowest attempt the SMTP timeouts allow, so only a dispatcher that died loses its claim.
 */
export const MAIL_LEASE_MS = 120_000;

/*
 * A message's way through the outbox (`status`):
 *   queued → sending      claimed with a lease, before the first SMTP command
 *   sending → unconfirmed recorded just before SMTP's final "." (the transport's commit): from
 *                         here the server may hold the message
 *   unconfirmed → sent    the server's 250, recorded; a sent message is never sent again
 *   sending|unconfirmed → queued | failed   the server refused it (retried with backoff, R82)
 * After a crash, a message left `sending` was certainly not accepted (no "." went out): it is
 * claimed again once its lease ends. One left `unconfirmed` is in doubt: see outbox-in-doubt.ts.
 */

/** Messages one dispatcher holds until `lease`. */
export interface MailClaim {
  lease: number;
  messages: OutboxMessage[];
}

type OutboxExpressions = ExpressionBuilder<Database, 'outbox'>;

/** Due: queued and its time has come, or left `sending` by a dispatcher whose lease ended. */
const due = (now: number) => (eb: OutboxExpressions) =>
  eb.or([
    eb.and([
      eb('status', '=', 'queued'),
      eb('next_attempt_at', '<=', now),
      // A process of an older version kept a message `queued` while sending it, under a lease.
      eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]),
    ]),
    eb.and([eb('status', '=', 'sending'), eb('lease_until', '<', now)]),
  ]);

/**
 * Claims up to `limit` due messages, oldest first, with one statement (R83). On PostgreSQL
 * rows another dispatcher is claiming are skipped, not waited for, so dispatchers in several
 * processes take disjoint batches side by side instead of queueing behind each other's locks.
 */
export async function claimDueMail(
  db: Db,
  dialect: Dialect,
  clock: Clock,
  limit: number,
): Promise<MailClaim> {
  const now = clock.now();
  const lease = now + MAIL_LEASE_MS;
  let oldest = db
    .selectFrom('outbox')
    .select('id')
    .where(due(now))
    .orderBy('created_at')
    .limit(limit);
  if (dialect === 'postgres') oldest = oldest.forUpdate().skipLocked();
  const messages = await db
    .updateTable('outbox')
    .set((eb) => ({ status: 'sending', lease_until: lease, attempts: eb('attempts', '+', 1) }))
    .where('id', 'in', oldest)
    // Checked again on the row itself: PostgreSQL re-reads a row it had to wait for.
    .where(due(now))
    .returningAll()
    .execute();
  messages.sort((a, b) => a.created_at - b.created_at);
  return { lease, messages };
}

/** Hands back claimed messages a stopping dispatcher did not start, as they were. */
export async function releaseMail(db: Db, ids: string[], lease: number): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('outbox')
    .set((eb) => ({ status: 'queued', lease_until: null, attempts: eb('attempts', '-', 1) }))
    .where('id', 'in', ids)
    .where('status', '=', 'sending')
    .where('lease_until', '=', lease)
    .execute();
}

/**
 * Records, before the server may accept the message, that its delivery is no longer known not
 * to have happened. False when this dispatcher no longer holds it (its lease ended and another
 * took it, or it was sent): then the message must not be let go.
 */
export async function markUnconfirmed(db: Db, id: string, lease: number): Promise<boolean> {
  const result = await db
    .updateTable('outbox')
    .set({ status: 'unconfirmed' })
    .where('id', '=', id)
    .where('status', '=', 'sending')
    .where('lease_until', '=', lease)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Records a delivery the server acknowledged. It wins over every other state: a dispatcher
 * that took the message over meanwhile then fails to mark it unconfirmed and stops before its
 * own ".", so the message goes out once (R83).
 */
export async function markSent(db: Db, clock: Clock, message: OutboxMessage): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('outbox')
      .set({ status: 'sent', sent_at: clock.now(), lease_until: null, last_error: null })
      .where('id', '=', message.id)
      .where('status', '!=', 'sent')
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return;
    await recordAudit(trx, clock, {
      type: 'mail_sent',
      accountId: message.account_id,
      actor: 'system',
      detail: { mailId: message.id, kind: message.kind },
    });
  });
}

/** Where failures are reported (the service's log). */
export type DeliveryLog = (message: string, fields: Record<string, unknown>) => void;

/**
 * Records an attempt the server did not accept: retried after a backoff with jitter, or marked
 * failed (with an audit event, the console's alert) after MAX_ATTEMPTS (R82). Only while this
 * dispatcher holds the message: a send that outlived its lease must not undo the outcome of
 * the dispatcher that took it over (re-queueing a sent message would send it twice, R83).
 */
export async function recordFailure(
  db: Db,
  clock: Clock,
  message: OutboxMessage,
  lease: number,
  reason: string,
  log?: DeliveryLog,
  retryAt?: number,
): Promise<void> {
  const attempts = message.attempts;
  const giveUp = attempts >= MAX_ATTEMPTS;
  const base = RETRY_DELAYS_MS[Math.min(attempts - 1, RETRY_DELAYS_MS.length - 1)] ?? 3_600_000;
  // R82: up to 20 % jitter, so messages that failed together do not all retry together.
  const delay = base + randomInt(0, Math.floor(base / 5) + 1);
  log?.('mail delivery failed', { mailId: message.id, attempts, giveUp, reason });
  await db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('outbox')
      .set({
        status: giveUp ? 'failed' : 'queued',
        next_attempt_at: retryAt ?? clock.now() + delay,
        lease_until: null,
        last_error: reason.slice(0, 500),
      })
      .where('id', '=', message.id)
      .where('status', 'in', ['sending', 'unconfirmed'])
      .where('lease_until', '=', lease)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0 || !giveUp) return;
    await recordAudit(trx, clock, {
      type: 'mail_failed',
      accountId: message.account_id,
      actor: 'system',
      detail: { mailId: message.id, kind: message.kind, attempts, reason: reason.slice(0, 200) },
    });
  });
}

/** Why a message was dropped rather than sent: its link expired (R85), or see settleInDoubt. */
export type DropReason = 'expired' | 'in_doubt';

const DROP_TEXT: Record<DropReason, string> = {
  expired: 'expired before it could be sent',
  in_doubt:
    'interrupted after the mail server may have accepted it; not sent again, as its link or code is no longer valid',
};

/** Drops a message this dispatcher holds (`lease`), with an audit event. */
export async function dropMail(
  db: Db,
  clock: Clock,
  message: OutboxMessage,
  lease: number,
  reason: DropReason,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('outbox')
      .set({ status: 'dropped', lease_until: null, last_error: DROP_TEXT[reason] })
      .where('id', '=', message.id)
      .where('status', 'in', ['sending', 'unconfirmed'])
      .where('lease_until', '=', lease)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return;
    await recordAudit(trx, clock, {
      type: 'mail_dropped',
      accountId: message.account_id,
      actor: 'system',
      detail: { mailId: message.id, kind: message.kind, reason },
    });
  });
}
