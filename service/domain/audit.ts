import type { Clock } from '../clock.ts';
import type { Db } from '../context.ts';
import { newId } from '../ids.ts';

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
  | 'account_imported';

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

/** Appends one event; call it inside the transaction of the change it records. */
export async function recordAudit(db: Db, clock: Clock, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_events')
    .values({
      id: newId(),
      at: clock.now(),
      type: entry.type,
      account_id: entry.accountId ?? null,
      organization_id: entry.organizationId ?? null,
      actor: entry.actor ?? 'self',
      ip: entry.ip ?? null,
      detail: JSON.stringify(entry.detail ?? {}),
    })
    .execute();
}
