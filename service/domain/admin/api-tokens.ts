import type { Clock } from '../../clock.ts';
import type { Db } from '../../store/schema.ts';
import { hashToken, newId, newToken } from '../../ids.ts';

/** Access tokens are short-lived; the console refreshes them (SPEC §3). */
export const ACCESS_TTL_MS = 15 * 60_000;
export const REFRESH_TTL_MS = 12 * 60 * 60_000;

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

/** Issues an access token and a refresh token in one family (a sign-in starts a new family). */
export async function issueTokens(
  db: Db,
  clock: Clock,
  accountId: string,
  familyId = newId(),
): Promise<IssuedTokens> {
  const now = clock.now();
  const accessToken = newToken();
  const refreshToken = newToken();
  const row = (kind: string, token: string, ttl: number) => ({
    id: newId(),
    account_id: accountId,
    kind,
    token_hash: hashToken(token),
    family_id: familyId,
    created_at: now,
    expires_at: now + ttl,
    used_at: null,
    revoked_at: null,
  });
  await db
    .insertInto('api_tokens')
    .values([
      row('access', accessToken, ACCESS_TTL_MS),
      row('refresh', refreshToken, REFRESH_TTL_MS),
    ])
    .execute();
  return { accessToken, refreshToken, expiresIn: ACCESS_TTL_MS / 1000 };
}

export type RefreshOutcome =
  | { kind: 'rotated'; accountId: string; tokens: IssuedTokens }
  | { kind: 'invalid' }
  /** A spent refresh token came back: someone copied it; the whole family is revoked. */
  | { kind: 'reused'; accountId: string };

/** Rotates a refresh token: the old one is spent in one conditional update; reuse revokes the family. */
export async function rotateRefreshToken(
  trx: Db,
  clock: Clock,
  token: string,
): Promise<RefreshOutcome> {
  const now = clock.now();
  const row = await trx
    .selectFrom('api_tokens')
    .selectAll()
    .where('token_hash', '=', hashToken(token))
    .where('kind', '=', 'refresh')
    .executeTakeFirst();
  if (!row || row.revoked_at !== null || row.expires_at <= now) return { kind: 'invalid' };
  const spent = await trx
    .updateTable('api_tokens')
    .set({ used_at: now })
    .where('id', '=', row.id)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  if (Number(spent.numUpdatedRows) === 0) {
    await revokeFamily(trx, clock, row.family_id);
    return { kind: 'reused', accountId: row.account_id };
  }
  // The access token of the old pair ends with it: only the newest pair works.
  await trx
    .updateTable('api_tokens')
    .set({ revoked_at: now })
    .where('family_id', '=', row.family_id)
    .where('kind', '=', 'access')
    .where('revoked_at', 'is', null)
    .execute();
  return {
    kind: 'rotated',
    accountId: row.account_id,
    tokens: await issueTokens(trx, clock, row.account_id, row.family_id),
  };
}

/** Revokes every token of a family (sign-out, reuse). */
export async function revokeFamily(db: Db, clock: Clock, familyId: string): Promise<void> {
  await db
    .updateTable('api_tokens')
    .set({ revoked_at: clock.now() })
    .where('family_id', '=', familyId)
    .where('revoked_at', 'is', null)
    .execute();
}

/** The family of a token, for sign-out. */
export async function familyOf(
  db: Db,
  token: string,
): Promise<{ familyId: string; accountId: string } | undefined> {
  const row = await db
    .selectFrom('api_tokens')
    .select(['family_id', 'account_id'])
    .where('token_hash', '=', hashToken(token))
    .executeTakeFirst();
  return row ? { familyId: row.family_id, accountId: row.account_id } : undefined;
}

/** Ends every API token of an account (disable, password change by an administrator). */
export async function revokeAccountTokens(db: Db, clock: Clock, accountId: string): Promise<void> {
  await db
    .updateTable('api_tokens')
    .set({ revoked_at: clock.now() })
    .where('account_id', '=', accountId)
    .where('revoked_at', 'is', null)
    .execute();
}
