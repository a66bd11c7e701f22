import { DomainError } from '../../domain-error.ts';
import type { ActionSpec } from '../action-runner.ts';

/** Queues a failed or dropped email again; a reset email whose link died is refused (send a new one). */
export function resendMailAction(mailId: string): ActionSpec {
  return {
    permission: 'resend_mail',
    needsVerification: false,
    async run({ trx, ctx, account }) {
      const mail = await trx
        .selectFrom('outbox')
        .selectAll()
        .where('id', '=', mailId)
        .where('account_id', '=', account.id)
        .executeTakeFirst();
      if (!mail) throw new DomainError('not_found', 'No such email for this account.');
      if (mail.status !== 'failed' && mail.status !== 'dropped')
        throw new DomainError(
          'conflict',
          `This email is ${mail.status === 'sent' ? 'sent' : 'queued'}; only a failed email can be sent again.`,
        );
      if (mail.expires_at !== null && mail.expires_at <= ctx.clock.now()) {
        throw new DomainError(
          'conflict',
          'The link in this email has expired: send a new reset email instead.',
        );
      }
      await trx
        .updateTable('outbox')
        .set({
          status: 'queued',
          attempts: 0,
          next_attempt_at: ctx.clock.now(),
          lease_until: null,
          last_error: null,
        })
        .where('id', '=', mail.id)
        .execute();
      return {
        summary: `“${mail.subject}” queued again for ${mail.to_address}`,
        mailIds: [mail.id],
      };
    },
  };
}
