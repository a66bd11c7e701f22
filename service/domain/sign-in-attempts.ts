import type { ServiceContext } from '../context.ts';
import type { Account, Db } from '../store/schema.ts';
import { organizationOf, type OrganizationInfo } from './accounts.ts';
import { lockAccount, lockIfDue, oneMoreFailure, type FailureReason } from './lockout.ts';

/**
 * A reserved try at an account's password, taken before the slow hash (issue 13, R40).
 *
 * Why reserve instead of reading the account and recording the outcome afterwards: fifty
 * guesses sent at once would all read "not locked" before any of them was counted, and every
 * one would be checked against the real password. A reservation is one conditional UPDATE that
 * counts the attempt as a failure up front and succeeds only while the account is unlocked and
 * fewer than `threshold` attempts are counted, so a burst gets exactly the tries a sequence
 * gets, on either store and across processes (the row is the arbiter). A settled success takes
 * its count back; an attempt that dies mid-hash stays counted, which is the safe side.
 */
export interface AttemptSlot {
  account: Account;
  /** The account's organization as the slot was reserved (its lockout policy). */
  org: OrganizationInfo;
  /** This attempt's place in the count (1 = the first failure since the last success). */
  slot: number;
  threshold: number;
}

/** An attempt whose slot is older than this died before it settled (a hash takes ~10 ms). */
export const ABANDONED_SLOT_MS = 30_000;

export type Reservation =
  | { kind: 'reserved'; slot: AttemptSlot }
  /** Locked, disabled, or every slot taken by attempts still being checked. */
  | { kind: 'refused'; reason: 'locked' | 'disabled' | 'attempts_in_flight' };

/**
 * Reserves a slot for one password (or second-factor) attempt on `account`, under the lockout
 * policy of `known` (its organization, when the caller read it with the account) or else read.
 */
export async function reserveAttempt(
  ctx: ServiceContext,
  account: Account,
  ip: string | null,
  known?: OrganizationInfo,
): Promise<Reservation> {
  const now = ctx.clock.now();
  const org = known ?? (await organizationOf(ctx.db, account));
  const threshold = org.policy.lockoutThreshold;
  const row = await ctx.plannedDb
    .updateTable('accounts')
    .set((eb) => ({ ...oneMoreFailure(eb, now), attempt_reserved_at: now }))
    .where('id', '=', account.id)
    .where('disabled_at', 'is', null)
    .where((eb) =>
      eb.or([
        eb('locked_until', '<=', now),
        eb.and([eb('locked_at', 'is', null), eb('failed_count', '<', threshold)]),
      ]),
    )
    .returning('failed_count')
    .executeTakeFirst();
  if (row) return { kind: 'reserved', slot: { account, org, slot: row.failed_count, threshold } };
  return { kind: 'refused', reason: await whyRefused(ctx, account, ip) };
}

/**
 * Reads why no slot was given. Slots all taken by attempts older than ABANDONED_SLOT_MS mean
 * those attempts died unsettled: they count as the failures they were reserved as, so the
 * account locks now rather than refusing every sign-in without a lock anyone can see or clear.
 */
async function whyRefused(
  ctx: ServiceContext,
  account: Account,
  ip: string | null,
): Promise<'locked' | 'disabled' | 'attempts_in_flight'> {
  const now = ctx.clock.now();
  const current = await ctx.db
    .selectFrom('accounts')
    .select(['disabled_at', 'locked_at', 'locked_until', 'failed_count', 'attempt_reserved_at'])
    .where('id', '=', account.id)
    .executeTakeFirst();
  if (!current || current.disabled_at !== null) return 'disabled';
  if (current.locked_at !== null) return 'locked';
  const abandoned =
    current.attempt_reserved_at === null || current.attempt_reserved_at <= now - ABANDONED_SLOT_MS;
  if (!abandoned) return 'attempts_in_flight';
  await ctx.db
    .transaction()
    .execute((trx) => lockAccount(trx, ctx, account, current.failed_count, 'wrong_password', ip));
  ctx.mailQueued();
  return 'locked';
}

/**
 * Settles a failed attempt: its slot stays counted, the failure is audited, and the attempt
 * that fills the last slot locks the account (unless a success has since cleared the count).
 */
export async function settleFailure(
  ctx: ServiceContext,
  slot: AttemptSlot,
  reason: FailureReason,
  ip: string | null,
  via: 'pages' | 'api' | 'change_page',
): Promise<void> {
  await ctx.plannedDb
    .transaction()
    // The organization read at reservation: one round trip fewer, so a known account's failure
    // costs about what an unknown one's does (bench:service, R3/R4).
    .execute((trx) => lockIfDue(trx, ctx, slot.account, slot.slot, reason, ip, via, slot.org));
  ctx.mailQueued();
}

/**
 * Settles a success inside the caller's transaction: clears the count only if the account is
 * still unlocked and enabled, in the same statement that decides it. Answers false when a lock
 * (or a disable) landed while this attempt was being checked: the sign-in must then be refused,
 * so a success never clears a lock it did not see.
 */
export async function settleSuccess(
  trx: Db,
  slot: AttemptSlot,
  also: { last_sign_in_at?: number; temp_password_expires_at?: number; password_hash?: string },
): Promise<boolean> {
  const result = await trx
    .updateTable('accounts')
    .set({ failed_count: 0, ...also })
    .where('id', '=', slot.account.id)
    .where('locked_at', 'is', null)
    .where('disabled_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Gives a slot back without a success or a failure: the password was right but this door does
 * not sign the account in (not an administrator, a second factor still to come).
 */
export async function releaseAttempt(db: Db, slot: AttemptSlot): Promise<void> {
  await db
    .updateTable('accounts')
    .set((eb) => ({ failed_count: eb('failed_count', '-', 1) }))
    .where('id', '=', slot.account.id)
    .where('failed_count', '>', 0)
    .where('locked_at', 'is', null)
    .execute();
}
