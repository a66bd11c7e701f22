import type { Clock } from '../clock.ts';
import type { Db, OutboxMessage } from '../store/schema.ts';
import type { MailKind } from './outbox.ts';
import { dropMail, MAIL_LEASE_MS, recordFailure, type DeliveryLog } from './outbox-delivery.ts';

// A message whose delivery is in doubt: the mail server may have accepted it (it had SMTP's
// final "."), but no 250 was recorded — the reply was lost, or the sending process died.

/** Kinds whose email carries a reset or invitation link: worth sending only while it is live. */
const LINK_KINDS: ReadonlySet<string> = new Set<MailKind>(['password_reset', 'invitation']);

/**
 * Whether a message whose first delivery is in doubt should go out again. A reset link,
 * invitation or code helps only while it can still be used: a spent, superseded or expired one
 * would only mislead, so it is not sent twice. Everything else (a username reminder; a notice
 * that a password changed, a lockout, an unlock — R24, R39, R47) is worth a duplicate rather
 * than the risk that it never arrived; the duplicate keeps the Message-ID.
 */
export async function worthResending(
  db: Db,
  clock: Clock,
  message: OutboxMessage,
): Promise<boolean> {
  if (message.expires_at !== null && message.expires_at <= clock.now()) return false;
  if (!LINK_KINDS.has(message.kind) || message.account_id === null) return true;
  // The link went out with the message in one transaction, with the same expiry.
  const live = await db
    .selectFrom('reset_links')
    .select('id')
    .where('account_id', '=', message.account_id)
    .where('expires_at', '=', message.expires_at)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return live !== undefined;
}

/**
 * Settles a message this dispatcher holds whose delivery is in doubt — the server may have
 * accepted it, but no 250 was recorded (the reply was lost, or the process died): queued again
 * when worth resending (a receiver may then see it twice, with one Message-ID), else dropped.
 * `retryAt`: when to resend; by default after the backoff of a failure.
 */
export async function settleMessageInDoubt(
  db: Db,
  clock: Clock,
  message: OutboxMessage,
  lease: number,
  reason: string,
  options: { log?: DeliveryLog | undefined; retryAt?: number } = {},
): Promise<void> {
  if (!(await worthResending(db, clock, message)))
    return dropMail(db, clock, message, lease, 'in_doubt');
  const why = `delivery in doubt: ${reason}`;
  await recordFailure(db, clock, message, lease, why, options.log, options.retryAt);
}

/**
 * Takes over up to `limit` messages a dispatcher left `unconfirmed` when it died (their lease
 * ended) and settles each (settleMessageInDoubt). Answers how many.
 */
export async function settleInDoubt(
  db: Db,
  clock: Clock,
  limit: number,
  log?: DeliveryLog,
): Promise<number> {
  const now = clock.now();
  const lease = now + MAIL_LEASE_MS;
  const stale = await db
    .selectFrom('outbox')
    .selectAll()
    .where('status', '=', 'unconfirmed')
    .where('lease_until', '<', now)
    .limit(limit)
    .execute();
  let settled = 0;
  for (const message of stale) {
    const taken = await db
      .updateTable('outbox')
      .set({ lease_until: lease })
      .where('id', '=', message.id)
      .where('status', '=', 'unconfirmed')
      .where('lease_until', '=', message.lease_until)
      .executeTakeFirst();
    if (Number(taken.numUpdatedRows) !== 1) continue;
    // Already a lease late: sent again at once.
    await settleMessageInDoubt(db, clock, message, lease, 'the sending process stopped', {
      log,
      retryAt: now,
    });
    settled += 1;
  }
  return settled;
}
