import type { Clock } from '../clock.ts';
import type { Db } from '../store/schema.ts';
import { newId } from '../ids.ts';
import type { MailContent } from '../mail/templates.ts';

export type MailKind =
  | 'password_reset'
  | 'reset_unavailable'
  | 'username_reminder'
  | 'password_changed'
  | 'lockout'
  | 'security_question_set'
  | 'account_unlocked'
  | 'temporary_password'
  | 'question_cleared'
  | 'access_changed'
  | 'verification_code'
  | 'invitation'
  /** Account administration (issue 16): identity, products or organization changed. */
  | 'account_changed';

export interface QueuedMail {
  kind: MailKind;
  to: string;
  accountId: string | null;
  content: MailContent;
  /** After this time the message is dropped rather than sent (a dead link helps no one). */
  expiresAt?: number | null;
}

/** Writes a message to the outbox; call it in the transaction of the change that causes it (R81). */
export async function queueMail(db: Db, clock: Clock, mail: QueuedMail): Promise<string> {
  const id = newId();
  const now = clock.now();
  await db
    .insertInto('outbox')
    .values({
      id,
      created_at: now,
      account_id: mail.accountId,
      kind: mail.kind,
      to_address: mail.to,
      subject: mail.content.subject,
      text_body: mail.content.text,
      html_body: mail.content.html,
      status: 'queued',
      attempts: 0,
      next_attempt_at: now,
      lease_until: null,
      last_error: null,
      sent_at: null,
      expires_at: mail.expiresAt ?? null,
    })
    .execute();
  return id;
}

/** Messages of one kind queued for an account since `since` (the per-account reset-mail limit). */
export async function countRecentMail(
  db: Db,
  accountId: string,
  kind: MailKind,
  since: number,
): Promise<number> {
  const row = await db
    .selectFrom('outbox')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('account_id', '=', accountId)
    .where('kind', '=', kind)
    .where('created_at', '>', since)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
