import type { AdminIdentity } from '../../../common/api/auth.ts';
import type { ServiceContext } from '../../context.ts';
import type { Account } from '../../store/schema.ts';
import { recordAudit } from '../audit.ts';
import { checkPassword } from '../sign-in.ts';
import {
  releaseAttempt,
  settleFailure,
  settleSuccess,
  type AttemptSlot,
} from '../sign-in-attempts.ts';
import { issueTokens, type IssuedTokens } from './api-tokens.ts';
import { loadAdminIdentity } from './permissions.ts';
import {
  acceptedTotpStep,
  hashRecoveryCode,
  newRecoveryCodes,
  newTotpSecret,
  otpauthUri,
} from './totp.ts';
import { newId } from '../../ids.ts';

export type AdminSignInResult =
  | { kind: 'signed_in'; tokens: IssuedTokens; admin: AdminIdentity }
  | { kind: 'failed' }
  | { kind: 'totp_required' }
  | { kind: 'totp_invalid' }
  | { kind: 'totp_enrollment_required' }
  | { kind: 'must_change_password' };

interface Credentials {
  username: string;
  password: string;
  totp?: string | undefined;
  ip: string | null;
}

/**
 * Password first (one counter and one policy with the pages, R44), and only for administrators.
 * The attempt's slot comes back reserved: the caller settles it (success, failure or release).
 */
async function adminByPassword(
  ctx: ServiceContext,
  c: Credentials,
): Promise<{ account: Account; admin: AdminIdentity; slot: AttemptSlot } | undefined> {
  if (c.username.includes('@')) return undefined;
  const checked = await checkPassword(ctx, {
    identifier: c.username,
    password: c.password,
    ip: c.ip,
    via: 'api',
  });
  if (checked.kind !== 'ok') return undefined;
  const admin = checked.account.shared
    ? undefined
    : await loadAdminIdentity(ctx.plannedDb, checked.account.id);
  if (!admin) {
    await releaseAttempt(ctx.db, checked.slot);
    return undefined;
  }
  return { account: checked.account, admin, slot: checked.slot };
}

/** Checks a TOTP code (no replay) or spends a recovery code; answers true when accepted. */
async function secondFactorAccepted(
  ctx: ServiceContext,
  accountId: string,
  secret: string,
  lastStep: number,
  code: string,
): Promise<boolean> {
  const step = acceptedTotpStep(secret, code, ctx.clock.now(), lastStep);
  if (step !== null) {
    const r = await ctx.db
      .updateTable('admin_totp')
      .set({ last_step: step })
      .where('account_id', '=', accountId)
      .where('last_step', '<', step)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
  const spent = await ctx.db
    .updateTable('recovery_codes')
    .set({ used_at: ctx.clock.now() })
    .where('account_id', '=', accountId)
    .where('code_hash', '=', hashRecoveryCode(code))
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(spent.numUpdatedRows) === 1;
}

/** Administrator sign-in: password, then TOTP unless the organization exempts it (SPEC §4). */
export async function adminSignIn(ctx: ServiceContext, c: Credentials): Promise<AdminSignInResult> {
  const found = await adminByPassword(ctx, c);
  if (!found) return { kind: 'failed' };
  const { account, admin, slot } = found;
  const stop = async (
    kind: 'must_change_password' | 'totp_enrollment_required' | 'totp_required',
  ) => {
    await releaseAttempt(ctx.db, slot);
    return { kind };
  };
  if (account.must_change_password) return stop('must_change_password');
  const totp = await ctx.plannedDb
    .selectFrom('admin_totp')
    .select(['secret', 'enabled_at', 'last_step'])
    .where('account_id', '=', account.id)
    .executeTakeFirst();
  const enrolled = totp?.enabled_at != null;
  if (!enrolled && !slot.org.policy.adminTotpExempt) return stop('totp_enrollment_required');
  if (enrolled && totp) {
    if (!c.totp) return stop('totp_required');
    if (!(await secondFactorAccepted(ctx, account.id, totp.secret, totp.last_step, c.totp))) {
      await settleFailure(ctx, slot, 'second_factor', c.ip, 'api');
      return { kind: 'totp_invalid' };
    }
  }
  const tokens = await ctx.plannedDb.transaction().execute(async (trx) => {
    // Locked while this attempt was checked (by the guesses beside it): no tokens (R40, R66).
    if (!(await settleSuccess(trx, slot, {}))) return null;
    const issued = await issueTokens(trx, ctx.clock, account.id);
    // Last, so the audit chain's lock (PostgreSQL) is held only until the commit right after.
    await recordAudit(trx, ctx.clock, {
      type: 'admin_sign_in',
      accountId: account.id,
      organizationId: account.organization_id,
      ip: c.ip,
      detail: { totp: enrolled },
    });
    return issued;
  });
  return tokens ? { kind: 'signed_in', tokens, admin } : { kind: 'failed' };
}

/** Starts (or restarts, while unconfirmed) TOTP enrolment; the secret and codes are shown once. */
export async function enrolTotp(ctx: ServiceContext, c: Credentials) {
  const found = await adminByPassword(ctx, c);
  if (!found) return { kind: 'failed' as const };
  await releaseAttempt(ctx.db, found.slot);
  const existing = await ctx.db
    .selectFrom('admin_totp')
    .select('enabled_at')
    .where('account_id', '=', found.account.id)
    .executeTakeFirst();
  if (existing?.enabled_at != null) return { kind: 'already_enrolled' as const };
  const secret = newTotpSecret();
  const recoveryCodes = newRecoveryCodes();
  await ctx.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('admin_totp').where('account_id', '=', found.account.id).execute();
    await trx.deleteFrom('recovery_codes').where('account_id', '=', found.account.id).execute();
    await trx
      .insertInto('admin_totp')
      .values({
        account_id: found.account.id,
        secret,
        enabled_at: null,
        last_step: 0,
        created_at: ctx.clock.now(),
      })
      .execute();
    await trx
      .insertInto('recovery_codes')
      .values(
        recoveryCodes.map((code) => ({
          id: newId(),
          account_id: found.account.id,
          code_hash: hashRecoveryCode(code),
          used_at: null,
        })),
      )
      .execute();
  });
  return {
    kind: 'started' as const,
    secret,
    otpauthUri: otpauthUri(secret, found.account.username),
    recoveryCodes,
  };
}

/** Confirms enrolment with a first code from the app. */
export async function confirmTotp(ctx: ServiceContext, c: Credentials & { totp: string }) {
  const found = await adminByPassword(ctx, c);
  if (!found) return { kind: 'failed' as const };
  await releaseAttempt(ctx.db, found.slot);
  const totp = await ctx.db
    .selectFrom('admin_totp')
    .selectAll()
    .where('account_id', '=', found.account.id)
    .executeTakeFirst();
  if (!totp || totp.enabled_at !== null) return { kind: 'failed' as const };
  const step = acceptedTotpStep(totp.secret, c.totp, ctx.clock.now(), totp.last_step);
  if (step === null) return { kind: 'totp_invalid' as const };
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('admin_totp')
      .set({ enabled_at: ctx.clock.now(), last_step: step })
      .where('account_id', '=', found.account.id)
      .execute();
    await recordAudit(trx, ctx.clock, {
      type: 'totp_enrolled',
      accountId: found.account.id,
      organizationId: found.account.organization_id,
      ip: c.ip,
    });
  });
  return { kind: 'enrolled' as const };
}
