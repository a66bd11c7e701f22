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
  // A lockout that has run out starts the count afresh.
  await trx
    .updateTable('accounts')
    .set({ failed_count: 0, locked_at: null, locked_until: null })
    .where('id', '=', account.id)
    .where('locked_until', '<=', now)
    .execute();
  const { failed_count } = await trx
    .updateTable('accounts')
    .set((eb) => ({ failed_count: eb('failed_count', '+', 1) }))
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
