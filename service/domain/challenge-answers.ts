import type { Clock } from '../clock.ts';
import type { ServiceContext } from '../context.ts';
import type { Db } from '../store/schema.ts';
import { hashToken, newId } from '../ids.ts';
import { organizationOf } from './accounts.ts';
import { recordAudit } from './audit.ts';
import { recordFailedAttempt } from './lockout.ts';
import { dummyPasswordHash } from './passwords.ts';
import type { OrganizationPolicy } from './policy.ts';
import { revokeResetLinks, type ResetSession } from './reset-links.ts';
import { normalizeAnswer } from './security-questions.ts';

const DAY_MS = 86_400_000;

/** Wrong answers for this account in the last 24 hours, counting answers still being checked. */
export async function recentWrongAnswers(db: Db, clock: Clock, accountId: string): Promise<number> {
  const row = await db
    .selectFrom('challenge_attempts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('account_id', '=', accountId)
    .where('started_at', '>', clock.now() - DAY_MS)
    .where((eb) => eb.or([eb('outcome', 'is', null), eb('outcome', '=', 'wrong')]))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export type ChallengeOutcome = 'passed' | 'wrong' | 'link_dead' | 'paused';

/** Thrown inside the reservation's transaction to undo the link's count: the day is used up. */
class DayUsedUp extends Error {}

/**
 * Reserves one answer before its slow hash (issue 13): the link's count goes up only while it
 * is below the per-link limit (one conditional UPDATE), and the account's answers of the last
 * 24 hours, in flight included, are counted under the account row's lock and recorded in the
 * same transaction. So fifty answers sent at once get the per-link limit's checks between
 * them, on either store and across processes. The account row is locked first (a write that
 * changes nothing): every other writer of both takes the account before the link.
 */
async function reserveAnswer(
  ctx: ServiceContext,
  session: ResetSession,
  cookie: string,
  policy: OrganizationPolicy,
): Promise<string | 'link_dead' | 'paused'> {
  const now = ctx.clock.now();
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      await lockAccountRow(trx, session.account.id);
      const counted = await trx
        .updateTable('reset_links')
        .set((eb) => ({ wrong_answers: eb('wrong_answers', '+', 1) }))
        .where('id', '=', session.link.id)
        .where('session_hash', '=', hashToken(cookie))
        .where('wrong_answers', '<', policy.wrongAnswersPerLink)
        .where('used_at', 'is', null)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      if (Number(counted.numUpdatedRows) !== 1) return 'link_dead' as const;
      if (
        (await recentWrongAnswers(trx, ctx.clock, session.account.id)) >= policy.wrongAnswersPerDay
      )
        throw new DayUsedUp();
      const id = newId();
      await trx
        .insertInto('challenge_attempts')
        .values({
          id,
          account_id: session.account.id,
          link_id: session.link.id,
          started_at: now,
          outcome: null,
        })
        .execute();
      return id;
    });
  } catch (error) {
    if (error instanceof DayUsedUp) return 'paused';
    throw error;
  }
}

/**
 * Checks the answer to the account's question. Wrong answers count per link (the link dies at
 * the limit), per account per day, and as failed sign-ins (R31). Every attempt is audited. An
 * answer that finds no slot hashes a dummy, so its time says nothing (R4).
 */
export async function answerChallenge(
  ctx: ServiceContext,
  session: ResetSession,
  cookie: string,
  answer: string,
  ip: string | null,
): Promise<ChallengeOutcome> {
  const { link, account } = session;
  const org = await organizationOf(ctx.db, account);
  const reserved = await reserveAnswer(ctx, session, cookie, org.policy);
  const slot = reserved === 'link_dead' || reserved === 'paused' ? undefined : reserved;
  const matches = await ctx.hasher.verify(
    slot && account.security_answer_hash
      ? account.security_answer_hash
      : await dummyPasswordHash(ctx.hasher),
    normalizeAnswer(answer),
  );
  if (!slot) return reserved as 'link_dead' | 'paused';
  if (matches && account.security_answer_hash) {
    return ctx.db.transaction().execute(async (trx) => {
      await lockAccountRow(trx, account.id);
      await settle(trx, slot, 'right');
      // The right answer takes its count back, unless the link died meanwhile.
      const passed = await trx
        .updateTable('reset_links')
        .set((eb) => ({ answered_at: ctx.clock.now(), wrong_answers: eb('wrong_answers', '-', 1) }))
        .where('id', '=', link.id)
        .where('used_at', 'is', null)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (Number(passed.numUpdatedRows) !== 1) return 'link_dead';
      await recordAudit(trx, ctx.clock, {
        type: 'challenge_passed',
        accountId: account.id,
        organizationId: org.id,
        ip,
      });
      return 'passed';
    });
  }
  const outcome = await ctx.db.transaction().execute(async (trx): Promise<ChallengeOutcome> => {
    await recordFailedAttempt(trx, ctx, account, 'security_question', ip);
    await settle(trx, slot, 'wrong');
    const { wrong_answers } = await trx
      .selectFrom('reset_links')
      .select('wrong_answers')
      .where('id', '=', link.id)
      .executeTakeFirstOrThrow();
    const today = await recentWrongAnswers(trx, ctx.clock, account.id);
    if (wrong_answers >= org.policy.wrongAnswersPerLink || today >= org.policy.wrongAnswersPerDay) {
      await revokeResetLinks(trx, ctx.clock, account.id, 'wrong_answers');
      return today >= org.policy.wrongAnswersPerDay ? 'paused' : 'link_dead';
    }
    return 'wrong';
  });
  ctx.mailQueued();
  return outcome;
}

/**
 * Takes the account row's write lock for the rest of the transaction with a write that changes
 * nothing: on PostgreSQL a row lock, on SQLite the database's write lock, so the same code
 * serializes on both (SQLite has no SELECT … FOR UPDATE).
 */
async function lockAccountRow(trx: Db, accountId: string): Promise<void> {
  await trx
    .updateTable('accounts')
    .set((eb) => ({ failed_count: eb.ref('failed_count') }))
    .where('id', '=', accountId)
    .execute();
}

async function settle(trx: Db, attemptId: string, outcome: 'right' | 'wrong'): Promise<void> {
  await trx
    .updateTable('challenge_attempts')
    .set({ outcome })
    .where('id', '=', attemptId)
    .execute();
}

/** Forgets answers older than a day: the daily limit no longer sees them. */
export async function pruneChallengeAttempts(db: Db, clock: Clock): Promise<void> {
  await db
    .deleteFrom('challenge_attempts')
    .where('started_at', '<', clock.now() - DAY_MS)
    .execute();
}
