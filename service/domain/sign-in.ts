import type { ServiceContext } from '../context.ts';
import type { Account } from '../store/schema.ts';
import { findAccountsWithOrganization, identifierDigest, isLocked } from './accounts.ts';
import { recordAudit, recordAuditBatch, type AuditEntry } from './audit.ts';
import { dummyPasswordHash } from './passwords.ts';
import { countHit } from './rate-limits.ts';
import { createSession, type SessionKind } from './sessions.ts';
import {
  releaseAttempt,
  reserveAttempt,
  settleFailure,
  settleSuccess,
  type AttemptSlot,
} from './sign-in-attempts.ts';

export type SignInResult =
  | { kind: 'signed_in'; token: string; next: 'change_password' | 'security_question' | 'home' }
  /** One generic failure for a wrong password, an unknown, locked or disabled account (R3, R39). */
  | { kind: 'failed' }
  /** The email belongs to several accounts: ask for the username, naming none (SPEC §1). */
  | { kind: 'ambiguous' }
  /**
   * The right password, but the organization moved to an external login service: the person is
   * told where to sign in instead (only after the password proved who they are).
   */
  | { kind: 'elsewhere'; url: string };

interface Attempt {
  identifier: string;
  password: string;
  ip: string | null;
  /** Which door: the self-service pages or the admin API. */
  via?: 'pages' | 'api';
}

export type PasswordCheck =
  { kind: 'ok'; account: Account; slot: AttemptSlot } | { kind: 'failed' } | { kind: 'ambiguous' };

/**
 * Checks an identifier and password, counting failures toward the lockout. Every branch
 * runs the password hash exactly once (R4); every refusal reads the same to the caller (R3).
 * The admin API signs in through here too, so one counter and one policy cover both (R44).
 * The attempt reserves its slot before the hash (sign-in-attempts.ts), so a burst of guesses
 * gets no more tries than a sequence (R40); an `ok` hands the slot to the caller to settle.
 */
export async function checkPassword(ctx: ServiceContext, attempt: Attempt): Promise<PasswordCheck> {
  const accounts = await findAccountsWithOrganization(ctx.plannedDb, attempt.identifier);
  const found = accounts.length === 1 ? accounts[0] : undefined;
  const account = found?.account;
  const refusal = account ? refusalReason(account, ctx.clock.now()) : 'unknown_account';
  const reservation =
    found && !refusal ? await reserveAttempt(ctx, found.account, attempt.ip, found.org) : null;
  const slot = reservation?.kind === 'reserved' ? reservation.slot : undefined;
  // Only a reserved attempt is checked against the real password; the rest hash a dummy.
  const storedHash = slot
    ? (slot.account.password_hash as string)
    : await dummyPasswordHash(ctx.hasher);
  const matches = await ctx.hasher.verify(storedHash, attempt.password);

  if (accounts.length > 1) return { kind: 'ambiguous' };
  if (!slot) {
    const reason = reservation?.kind === 'refused' ? reservation.reason : (refusal ?? 'locked');
    await countRefusal(ctx, attempt, reason, account);
    return { kind: 'failed' };
  }
  if (!matches) {
    await settleFailure(ctx, slot, 'wrong_password', attempt.ip, attempt.via ?? 'pages');
    return { kind: 'failed' };
  }
  return { kind: 'ok', account: slot.account, slot };
}

/** The window of the refusal counters: long enough to see a slow spray (R48). */
const FAILURE_WINDOW_MS = 3_600_000;

/**
 * Records a failure that no account's lockout counts (unknown account, or one that may not
 * sign in): a hit in `rate_counters` under a digest of the identifier (never its text), one
 * under the client address, and the audit event, in one transaction. That is about the work
 * of counting a wrong password (recordFailedAttempt), so the time of a refusal says nothing
 * about whether the account exists (R3, R4, R5).
 */
async function countRefusal(
  ctx: ServiceContext,
  attempt: Attempt,
  reason: string,
  account?: Account,
): Promise<void> {
  await ctx.plannedDb.transaction().execute(async (trx) => {
    const failures = await countHit(
      trx,
      ctx.clock,
      `sign-in-failed:${identifierDigest(attempt.identifier)}`,
      FAILURE_WINDOW_MS,
    );
    // Many refused identifiers from one address is what enumeration or a spray looks like.
    const failuresFromIp = await countHit(
      trx,
      ctx.clock,
      `sign-in-refused-ip:${attempt.ip ?? 'unknown'}`,
      FAILURE_WINDOW_MS,
    );
    await recordAudit(trx, ctx.clock, {
      type: 'sign_in_failed',
      accountId: account?.id ?? null,
      organizationId: account?.organization_id ?? null,
      ip: attempt.ip,
      detail: { reason, via: attempt.via ?? 'pages', failures, failuresFromIp },
    });
  });
}

/** Signs an account holder in to the self-service pages (and through them, to the products). */
export async function signIn(ctx: ServiceContext, attempt: Attempt): Promise<SignInResult> {
  const checked = await checkPassword(ctx, attempt);
  if (checked.kind !== 'ok') return checked;
  const external = checked.slot.org.policy.externalLoginUrl;
  if (external) {
    // The password was right: its slot is given back, and the refusal is audited as such.
    await releaseAttempt(ctx.db, checked.slot);
    await recordAudit(ctx.db, ctx.clock, {
      type: 'sign_in_failed',
      accountId: checked.account.id,
      organizationId: checked.slot.org.id,
      ip: attempt.ip,
      detail: { reason: 'external_login_service', via: attempt.via ?? 'pages' },
    });
    return { kind: 'elsewhere', url: external };
  }
  return completeSignIn(ctx, checked.slot, attempt);
}

/** Why an account may not sign in even with the right password, or null. */
function refusalReason(account: Account, now: number): string | null {
  if (account.disabled_at !== null) return 'disabled';
  if (isLocked(account, now)) return 'locked';
  if (account.password_hash === null) return 'no_password';
  if (account.temp_password_expires_at !== null && account.temp_password_expires_at <= now) {
    return 'temporary_password_expired';
  }
  return null;
}

/** Rehashes if needed, clears the failure count and starts a pages session. */
async function completeSignIn(
  ctx: ServiceContext,
  slot: AttemptSlot,
  attempt: Attempt,
): Promise<SignInResult> {
  const { account } = slot;
  const now = ctx.clock.now();
  const rehash =
    account.password_hash && ctx.hasher.needsRehash(account.password_hash)
      ? await ctx.hasher.hash(attempt.password)
      : null;
  const next = account.must_change_password
    ? 'change_password'
    : account.security_answer_hash
      ? 'home'
      : 'security_question';
  const kind: SessionKind = next === 'home' ? 'full' : 'restricted';
  const { org } = slot;
  const token = await ctx.plannedDb.transaction().execute(async (trx) => {
    const settled = await settleSuccess(trx, slot, {
      last_sign_in_at: now,
      // A temporary password opens one restricted session, once (R59).
      ...(account.temp_password_expires_at !== null ? { temp_password_expires_at: now } : {}),
      ...(rehash ? { password_hash: rehash } : {}),
    });
    // Locked (or disabled) while the password was being checked: refused like any failure.
    if (!settled) return null;
    const session = await createSession(trx, ctx.clock, account.id, kind);
    const who = { accountId: account.id, organizationId: org.id };
    const signedIn: AuditEntry = { type: 'sign_in', ...who, ip: attempt.ip, detail: { next } };
    const rehashed: AuditEntry = { type: 'password_rehashed', ...who, actor: 'system' };
    // Last, so the audit chain's lock (PostgreSQL) is held only until the commit right after.
    await recordAuditBatch(trx, ctx.clock, rehash ? [rehashed, signedIn] : [signedIn]);
    return session;
  });
  if (token === null) {
    await countRefusal(ctx, attempt, 'locked', account);
    return { kind: 'failed' };
  }
  return { kind: 'signed_in', token, next };
}

/**
 * Checks a signed-in account's password again (the change page, a new security question: R54)
 * as one more attempt on it: reserved before the hash, and a wrong one counted toward the
 * lockout, so a session cannot be used to guess the password without limit.
 */
export async function recheckPassword(
  ctx: ServiceContext,
  account: Account,
  password: string,
  ip: string | null,
): Promise<boolean> {
  const reservation = account.password_hash ? await reserveAttempt(ctx, account, ip) : null;
  const slot = reservation?.kind === 'reserved' ? reservation.slot : undefined;
  const matches = await ctx.hasher.verify(
    slot ? (account.password_hash as string) : await dummyPasswordHash(ctx.hasher),
    password,
  );
  if (!slot) return false;
  if (!matches) {
    await settleFailure(ctx, slot, 'wrong_password', ip, 'change_page');
    return false;
  }
  return ctx.db.transaction().execute((trx) => settleSuccess(trx, slot, {}));
}
