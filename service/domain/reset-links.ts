import type { Clock } from '../clock.ts';
import type { ServiceContext } from '../context.ts';
import type { Account, Db, ResetLink } from '../store/schema.ts';
import { hashToken, newId, newToken } from '../ids.ts';
import { emailKey, findAccountById, holdersOf } from './accounts.ts';
import { recordAudit } from './audit.ts';

export type LinkPurpose = 'reset' | 'invite';

/** Where a shared login's reset link goes: its owner, when the organization named one (SPEC §2). */
export async function resetAddress(db: Db, account: Account): Promise<string> {
  if (account.shared) {
    const owner = (await holdersOf(db, account.id)).find((h) => h.is_owner);
    if (owner) return owner.email;
  }
  return account.email;
}

/** Kills every live link of an account; answers how many died (R15). */
export async function revokeResetLinks(
  db: Db,
  clock: Clock,
  accountId: string,
  reason: string,
): Promise<number> {
  const result = await db
    .updateTable('reset_links')
    .set({ revoked_at: clock.now(), revoked_reason: reason })
    .where('account_id', '=', accountId)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Issues a link; the newest supersedes older ones. Answers the token, which only the email holds (R11). */
export async function issueResetLink(
  trx: Db,
  clock: Clock,
  account: Account,
  purpose: LinkPurpose,
  sentTo: string,
  ttlMs: number,
): Promise<{ token: string; expiresAt: number }> {
  await revokeResetLinks(trx, clock, account.id, 'superseded');
  const token = newToken();
  const now = clock.now();
  const expiresAt = now + ttlMs;
  await trx
    .insertInto('reset_links')
    .values({
      id: newId(),
      account_id: account.id,
      purpose,
      token_hash: hashToken(token),
      sent_to: sentTo,
      created_at: now,
      expires_at: expiresAt,
      opened_at: null,
      session_hash: null,
      answered_at: null,
      wrong_answers: 0,
      used_at: null,
      revoked_at: null,
      revoked_reason: null,
    })
    .execute();
  return { token, expiresAt };
}

export interface ResetSession {
  link: ResetLink;
  account: Account;
}

/** A link is live while unused, unrevoked, unexpired, its account enabled and its address unchanged (R13, R16). */
async function liveLink(
  db: Db,
  clock: Clock,
  link: ResetLink | undefined,
): Promise<ResetSession | undefined> {
  if (!link || link.used_at !== null || link.revoked_at !== null || link.expires_at <= clock.now())
    return undefined;
  const account = await findAccountById(db, link.account_id);
  if (!account || account.disabled_at !== null) return undefined;
  if (emailKey(await resetAddress(db, account)) !== emailKey(link.sent_to)) return undefined;
  return { link, account };
}

/**
 * Opening a link does not spend it (mail scanners open links first): it binds the link to a
 * new browser cookie, restarting the challenge, and the caller redirects to a token-less page (R19).
 */
export async function openResetLink(
  ctx: ServiceContext,
  token: string,
  ip: string | null,
): Promise<{ cookie: string; purpose: LinkPurpose } | undefined> {
  if (token.length > 100) return undefined;
  const link = await ctx.db
    .selectFrom('reset_links')
    .selectAll()
    .where('token_hash', '=', hashToken(token))
    .executeTakeFirst();
  const live = await liveLink(ctx.db, ctx.clock, link);
  if (!live) return undefined;
  const cookie = newToken();
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('reset_links')
      .set({ opened_at: ctx.clock.now(), session_hash: hashToken(cookie), answered_at: null })
      .where('id', '=', live.link.id)
      .execute();
    await recordAudit(trx, ctx.clock, {
      type: 'reset_link_opened',
      accountId: live.account.id,
      organizationId: live.account.organization_id,
      ip,
      detail: { purpose: live.link.purpose },
    });
  });
  return { cookie, purpose: live.link.purpose as LinkPurpose };
}

/** The live reset session a browser cookie names (R14), or undefined. */
export async function findResetSession(
  ctx: ServiceContext,
  cookie: string | undefined,
): Promise<ResetSession | undefined> {
  if (!cookie || cookie.length > 100) return undefined;
  const link = await ctx.db
    .selectFrom('reset_links')
    .selectAll()
    .where('session_hash', '=', hashToken(cookie))
    .executeTakeFirst();
  return liveLink(ctx.db, ctx.clock, link);
}

/**
 * Spends the link: one conditional update that succeeds only for a live, answered link still
 * bound to this browser, so ten concurrent submissions succeed once (R12, R22).
 */
export async function spendResetLink(
  trx: Db,
  clock: Clock,
  session: ResetSession,
  cookie: string,
): Promise<boolean> {
  const now = clock.now();
  const result = await trx
    .updateTable('reset_links')
    .set({ used_at: now })
    .where('id', '=', session.link.id)
    .where('session_hash', '=', hashToken(cookie))
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .where((eb) => eb.or([eb('answered_at', 'is not', null), eb('purpose', '=', 'invite')]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
