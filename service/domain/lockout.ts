import type { ServiceContext, Db } from '../context.ts';
import { lockoutMail } from '../mail/templates.ts';
import type { Account } from '../store/schema.ts';
import { notificationAddresses, organizationOf } from './accounts.ts';
import { recordAudit } from './audit.ts';
import { queueMail } from './outbox.ts';

export type FailureReason = 'wrong_password' | 'security_question';

/**
 * Counts one failed authentication against the account (sign-in or a wrong security answer,
 * R31) with an atomic increment (R40), and locks it at the policy threshold. The owner and
 * every holder of a shared login are told by email (R39); the caller sees nothing different.
 */
export async function recordFailedAttempt(
  trx: Db,
  ctx: ServiceContext,
  account: Account,
  reason: FailureReason,
  ip: string | null,
): Promise<{ locked: boolean }> {
  const now = ctx.clock.now();
  // One statement: a lockout that has run out starts the count afresh, else it goes up by one.
  const { failed_count } = await trx
    .updateTable('accounts')
    .set((eb) => {
      const expired = eb('locked_until', '<=', now);
      return {
        failed_count: eb
          .case()
          .when(expired)
          .then(1)
          .else(eb('failed_count', '+', 1))
          .end(),
        locked_at: eb.case().when(expired).then(null).else(eb.ref('locked_at')).end(),
        locked_until: eb.case().when(expired).then(null).else(eb.ref('locked_until')).end(),
      };
    })
    .where('id', '=', account.id)
    .returning('failed_count')
    .executeTakeFirstOrThrow();
  const org = await organizationOf(trx, account);
  const type = reason === 'wrong_password' ? 'sign_in_failed' : 'challenge_failed';
  await recordAudit(trx, ctx.clock, {
    type,
    accountId: account.id,
    organizationId: org.id,
    ip,
    detail: { reason, failedCount: failed_count },
  });
  if (failed_count < org.policy.lockoutThreshold) return { locked: false };

  const until =
    org.policy.lockoutMinutes === null ? null : now + org.policy.lockoutMinutes * 60_000;
  const locked = await trx
    .updateTable('accounts')
    .set((eb) => ({ locked_at: now, locked_until: until, version: eb('version', '+', 1) }))
    .where('id', '=', account.id)
    .where('locked_at', 'is', null)
    .executeTakeFirst();
  if (Number(locked.numUpdatedRows) === 0) return { locked: true };
  await recordAudit(trx, ctx.clock, {
    type: 'lockout',
    accountId: account.id,
    organizationId: org.id,
    actor: 'system',
    ip,
    detail: { failedCount: failed_count, until, trigger: reason },
  });
  const content = lockoutMail(
    account.username,
    until,
    org.policy.adminContact,
    account.shared === 1,
  );
  for (const to of await notificationAddresses(trx, account)) {
    await queueMail(trx, ctx.clock, { kind: 'lockout', to, accountId: account.id, content });
  }
  return { locked: true };
}
