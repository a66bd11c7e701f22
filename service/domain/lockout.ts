import type { ExpressionBuilder } from 'kysely';
import type { ServiceContext } from '../context.ts';
import type { Account, Database, Db } from '../store/schema.ts';
import { lockoutMail } from '../mail/templates.ts';
import { notificationAddresses, organizationOf, type OrganizationInfo } from './accounts.ts';
import { recordAudit } from './audit.ts';
import { queueMail } from './outbox.ts';

/** What failed: the password, the administrator's second factor, or a security answer. */
export type FailureReason = 'wrong_password' | 'second_factor' | 'security_question';

/**
 * The columns that count one more failure, in the statement that counts it: a lockout that has
 * run out starts the count afresh (and is lifted), else the count goes up by one.
 */
export function oneMoreFailure(eb: ExpressionBuilder<Database, 'accounts'>, now: number) {
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
}

/**
 * Counts one failed authentication that was not reserved beforehand (a wrong security answer,
 * R31) with an atomic increment (R40), and locks the account at the policy threshold.
 */
export async function recordFailedAttempt(
  trx: Db,
  ctx: ServiceContext,
  account: Account,
  reason: FailureReason,
  ip: string | null,
): Promise<{ locked: boolean }> {
  const now = ctx.clock.now();
  const { failed_count } = await trx
    .updateTable('accounts')
    .set((eb) => oneMoreFailure(eb, now))
    .where('id', '=', account.id)
    .returning('failed_count')
    .executeTakeFirstOrThrow();
  return lockIfDue(trx, ctx, account, failed_count, reason, ip);
}

/**
 * Audits a counted failure (`failedCount` is its place in the count) and locks the account
 * when that place reaches the policy threshold. The account row is locked before the audit
 * log's lock is taken, the order every writer of both keeps, so two settling failures cannot
 * deadlock on PostgreSQL.
 */
export async function lockIfDue(
  trx: Db,
  ctx: ServiceContext,
  account: Account,
  failedCount: number,
  reason: FailureReason,
  ip: string | null,
  via?: 'pages' | 'api' | 'change_page',
  known?: OrganizationInfo,
): Promise<{ locked: boolean }> {
  const org = known ?? (await organizationOf(trx, account));
  const due = failedCount >= org.policy.lockoutThreshold;
  const until = due ? await takeLock(trx, ctx, account, org.policy) : undefined;
  await recordAudit(trx, ctx.clock, {
    type: reason === 'security_question' ? 'challenge_failed' : 'sign_in_failed',
    accountId: account.id,
    organizationId: org.id,
    ip,
    detail: { reason, failedCount, ...(via ? { via } : {}) },
  });
  if (until === undefined) return { locked: false };
  await announceLock(trx, ctx, account, { failedCount, until, trigger: reason, ip });
  return { locked: true };
}

/**
 * Locks the account if it is not locked and its count still stands at the threshold (a success
 * since then cleared it), and tells its owner and holders. Answers whether this call locked it.
 */
export async function lockAccount(
  trx: Db,
  ctx: ServiceContext,
  account: Account,
  failedCount: number,
  trigger: FailureReason,
  ip: string | null,
): Promise<boolean> {
  const org = await organizationOf(trx, account);
  const until = await takeLock(trx, ctx, account, org.policy);
  if (until === undefined) return false;
  await announceLock(trx, ctx, account, { failedCount, until, trigger, ip });
  return true;
}

/** The conditional UPDATE that locks; answers the lock's end (null: until unlocked), or undefined. */
async function takeLock(
  trx: Db,
  ctx: ServiceContext,
  account: Account,
  policy: { lockoutThreshold: number; lockoutMinutes: number | null },
): Promise<number | null | undefined> {
  const now = ctx.clock.now();
  const until = policy.lockoutMinutes === null ? null : now + policy.lockoutMinutes * 60_000;
  const locked = await trx
    .updateTable('accounts')
    .set((eb) => ({ locked_at: now, locked_until: until, version: eb('version', '+', 1) }))
    .where('id', '=', account.id)
    .where('locked_at', 'is', null)
    .where('failed_count', '>=', policy.lockoutThreshold)
    .executeTakeFirst();
  return Number(locked.numUpdatedRows) === 1 ? until : undefined;
}

/** Audits a new lockout and emails the owner and every holder of a shared login (R39). */
async function announceLock(
  trx: Db,
  ctx: ServiceContext,
  account: Account,
  lock: { failedCount: number; until: number | null; trigger: FailureReason; ip: string | null },
): Promise<void> {
  const org = await organizationOf(trx, account);
  await recordAudit(trx, ctx.clock, {
    type: 'lockout',
    accountId: account.id,
    organizationId: org.id,
    actor: 'system',
    ip: lock.ip,
    detail: { failedCount: lock.failedCount, until: lock.until, trigger: lock.trigger },
  });
  const content = lockoutMail(
    account.username,
    lock.until,
    org.policy.adminContact,
    account.shared === 1,
  );
  for (const to of await notificationAddresses(trx, account)) {
    await queueMail(trx, ctx.clock, { kind: 'lockout', to, accountId: account.id, content });
  }
}
