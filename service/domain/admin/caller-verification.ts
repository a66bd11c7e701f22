import { createHash, randomInt } from 'node:crypto';
import type { VerificationResult } from '../../../common/api/actions.ts';
import type { AdminIdentity } from '../../../common/api/auth.ts';
import { DomainError } from '../domain-error.ts';
import type { ServiceContext } from '../../context.ts';
import type { Account, Db } from '../../store/schema.ts';
import { newId, safeEqual } from '../../ids.ts';
import { verificationCodeMail } from '../../mail/admin-templates.ts';
import { recordAudit } from '../audit.ts';
import { queueMail } from '../outbox.ts';
import { countHit } from '../rate-limits.ts';
import { normalizeAnswer } from '../security-questions.ts';
import { maskEmail } from './actions/notify.ts';

/** A verification is good for one action within the call's next 15 minutes (SPEC §3). */
const VERIFICATION_TTL_MS = 15 * 60_000;
const CODE_TTL_MS = 10 * 60_000;
const CODE_ATTEMPTS = 5;
const HOUR_MS = 3_600_000;
/** Spoken answers: per account and per agent, so neither a caller nor an agent can guess on (SPEC §3). */
const ANSWER_CHECKS_PER_ACCOUNT_PER_HOUR = 5;
const ANSWER_CHECKS_PER_AGENT_PER_HOUR = 30;
const CODES_PER_ACCOUNT_PER_HOUR = 5;

const codeHash = (id: string, code: string) =>
  createHash('sha256').update(`${id}:${code}`).digest('hex');

async function audit(
  db: Db,
  ctx: ServiceContext,
  admin: AdminIdentity,
  account: Account,
  method: string,
  result: string,
  ip: string | null,
) {
  await recordAudit(db, ctx.clock, {
    type: 'caller_verification',
    accountId: account.id,
    organizationId: account.organization_id,
    actor: admin.accountId,
    ip,
    detail: { method, result },
  });
}

/** Counts one attempt in the bucket; answers how many are left this hour, or refuses with 429. */
async function limit(ctx: ServiceContext, bucket: string, max: number): Promise<number> {
  const count = await countHit(ctx.db, ctx.clock, bucket, HOUR_MS);
  if (count > max) {
    throw new DomainError(
      'rate_limited',
      'Too many verification attempts for now. Send an emailed code instead, or try again later.',
    );
  }
  return max - count;
}

const usedUp = () =>
  new DomainError('conflict', 'This code has expired or was used up. Send a new code.');

/** Checks the answer the caller speaks against the account's question; the answer is never shown or stored. */
export async function verifyByAnswer(
  ctx: ServiceContext,
  admin: AdminIdentity,
  account: Account,
  answer: string,
  ip: string | null,
): Promise<VerificationResult> {
  if (!account.security_answer_hash)
    throw new DomainError(
      'conflict',
      'This account has no security question: send an emailed code instead.',
    );
  const accountLeft = await limit(
    ctx,
    `verify-answer:account:${account.id}`,
    ANSWER_CHECKS_PER_ACCOUNT_PER_HOUR,
  );
  const agentLeft = await limit(
    ctx,
    `verify-answer:agent:${admin.accountId}`,
    ANSWER_CHECKS_PER_AGENT_PER_HOUR,
  );
  const match = await ctx.hasher.verify(account.security_answer_hash, normalizeAnswer(answer));
  const now = ctx.clock.now();
  const id = newId();
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('verifications')
      .values({
        id,
        account_id: account.id,
        actor_id: admin.accountId,
        method: 'answer',
        code_hash: null,
        attempts: 1,
        created_at: now,
        expires_at: now + VERIFICATION_TTL_MS,
        verified_at: match ? now : null,
      })
      .execute();
    await audit(trx, ctx, admin, account, 'answer', match ? 'match' : 'no_match', ip);
  });
  return {
    verificationId: id,
    method: 'answer',
    result: match ? 'match' : 'no_match',
    expiresAt: now + VERIFICATION_TTL_MS,
    // What the console shows next to a no_match: checks left this hour (account or agent).
    attemptsLeft: Math.min(accountLeft, agentLeft),
  };
}

/** Emails a six-digit code to the account's own address for the caller to read back. */
export async function sendVerificationCode(
  ctx: ServiceContext,
  admin: AdminIdentity,
  account: Account,
  ip: string | null,
): Promise<VerificationResult> {
  if (account.disabled_at !== null) throw new DomainError('conflict', 'This account is disabled.');
  await limit(ctx, `verify-code:account:${account.id}`, CODES_PER_ACCOUNT_PER_HOUR);
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const now = ctx.clock.now();
  const id = newId();
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('verifications')
      .values({
        id,
        account_id: account.id,
        actor_id: admin.accountId,
        method: 'email_code',
        code_hash: codeHash(id, code),
        attempts: 0,
        created_at: now,
        expires_at: now + CODE_TTL_MS,
        verified_at: null,
      })
      .execute();
    await queueMail(trx, ctx.clock, {
      kind: 'verification_code',
      to: account.email,
      accountId: account.id,
      content: verificationCodeMail(account.username, code, now + CODE_TTL_MS),
      expiresAt: now + CODE_TTL_MS,
    });
    await audit(trx, ctx, admin, account, 'email_code', 'sent', ip);
  });
  ctx.mailQueued();
  return {
    verificationId: id,
    method: 'email_code',
    result: 'sent',
    expiresAt: now + CODE_TTL_MS,
    attemptsLeft: CODE_ATTEMPTS,
    sentTo: maskEmail(account.email),
  };
}

/** Checks the code the caller reads back: five tries, ten minutes; a match verifies for the call. */
export async function checkVerificationCode(
  ctx: ServiceContext,
  admin: AdminIdentity,
  account: Account,
  verificationId: string,
  code: string,
  ip: string | null,
): Promise<VerificationResult> {
  const now = ctx.clock.now();
  // One conditional increment: a try counts only while the code is live and has tries left, so
  // ten guesses sent at once still get five tries between them (as R40 asks of counters).
  const outcome = await ctx.db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('verifications')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('id', '=', verificationId)
      .where('account_id', '=', account.id)
      .where('actor_id', '=', admin.accountId)
      .where('method', '=', 'email_code')
      .where('verified_at', 'is', null)
      .where('expires_at', '>', now)
      .where('attempts', '<', CODE_ATTEMPTS)
      .returning(['id', 'attempts', 'code_hash', 'expires_at'])
      .executeTakeFirst();
    if (!row) return undefined;
    const match = row.code_hash !== null && safeEqual(row.code_hash, codeHash(row.id, code));
    if (match)
      await trx
        .updateTable('verifications')
        .set({ verified_at: now, expires_at: now + VERIFICATION_TTL_MS })
        .where('id', '=', row.id)
        .execute();
    await audit(trx, ctx, admin, account, 'email_code', match ? 'match' : 'no_match', ip);
    return { row, match, attempts: row.attempts };
  });
  if (!outcome) throw usedUp();
  const { row, match, attempts } = outcome;
  return {
    verificationId: row.id,
    method: 'email_code',
    result: match ? 'match' : 'no_match',
    expiresAt: match ? now + VERIFICATION_TTL_MS : row.expires_at,
    attemptsLeft: match ? 0 : CODE_ATTEMPTS - attempts,
  };
}

/** The refusal of an action whose verification an earlier action already used (SPEC §3). */
export const verificationUsed = () =>
  new DomainError(
    'verification_required',
    'That caller verification was used by an earlier action: one verification, one action. Verify the caller again.',
    'verificationId',
  );

/**
 * Uses a verification up for one action, inside that action's transaction: one conditional
 * update, so of two actions sent at once with one verification exactly one takes it (R12's
 * pattern), and an action that rolls back (a stale version, a refusal) leaves it unused.
 */
export async function spendVerification(
  trx: Db,
  ctx: ServiceContext,
  verificationId: string,
  action: string,
): Promise<void> {
  const now = ctx.clock.now();
  const spent = await trx
    .updateTable('verifications')
    .set({ used_at: now, used_for: action })
    .where('id', '=', verificationId)
    .where('used_at', 'is', null)
    .where('verified_at', 'is not', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  if (Number(spent.numUpdatedRows) !== 1) throw verificationUsed();
}
