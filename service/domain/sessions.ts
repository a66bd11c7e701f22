import type { Clock } from '../clock.ts';
import type { Account, Db } from '../store/schema.ts';
import { hashToken, newId, newToken } from '../ids.ts';
import { endProductSessions } from '../oidc/product-sessions.ts';

/** An account holder's signed-in session lasts at most this long. */
export const SESSION_LIFETIME_MS = 12 * 60 * 60_000;

/** `restricted` while a new password or a security question is still owed (R59). */
export type SessionKind = 'full' | 'restricted';

/** Starts a session; answers the cookie value, of which only a hash is stored. */
export async function createSession(
  db: Db,
  clock: Clock,
  accountId: string,
  kind: SessionKind,
): Promise<string> {
  const token = newToken();
  const now = clock.now();
  await db
    .insertInto('sessions')
    .values({
      id: newId(),
      account_id: accountId,
      token_hash: hashToken(token),
      kind,
      created_at: now,
      expires_at: now + SESSION_LIFETIME_MS,
      ended_at: null,
    })
    .execute();
  return token;
}

export interface LiveSession {
  id: string;
  kind: SessionKind;
  createdAt: number;
  account: Account;
}

/** The live session a cookie names, or undefined; a disabled account has none. */
export async function findSession(
  db: Db,
  clock: Clock,
  token: string | undefined,
): Promise<LiveSession | undefined> {
  if (!token || token.length > 100) return undefined;
  const row = await db
    .selectFrom('sessions')
    .innerJoin('accounts', 'accounts.id', 'sessions.account_id')
    .selectAll('accounts')
    .select([
      'sessions.id as session_id',
      'sessions.kind as session_kind',
      'sessions.created_at as session_created_at',
    ])
    .where('sessions.token_hash', '=', hashToken(token))
    .where('sessions.ended_at', 'is', null)
    .where('sessions.expires_at', '>', clock.now())
    .where('accounts.disabled_at', 'is', null)
    .executeTakeFirst();
  if (!row) return undefined;
  const { session_id, session_kind, session_created_at, ...account } = row;
  return {
    id: session_id,
    kind: session_kind as SessionKind,
    createdAt: session_created_at,
    account,
  };
}

export async function endSession(db: Db, clock: Clock, sessionId: string): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ ended_at: clock.now() })
    .where('id', '=', sessionId)
    .execute();
}

/**
 * Ends every live session of an account but `keepSessionId`, and its sessions at every product
 * (the provider's sessions and tokens, and a back-channel logout to each product it signed in
 * to: product-sessions.ts), in the caller's transaction; answers how many Latchkey sessions
 * ended (R24, R64). Every session-ending action (any password change, end sessions, disable,
 * conversion) comes through here.
 */
export async function endAccountSessions(
  db: Db,
  clock: Clock,
  accountId: string,
  keepSessionId?: string,
): Promise<number> {
  let query = db
    .updateTable('sessions')
    .set({ ended_at: clock.now() })
    .where('account_id', '=', accountId)
    .where('ended_at', 'is', null);
  if (keepSessionId) query = query.where('id', '!=', keepSessionId);
  const result = await query.executeTakeFirst();
  await endProductSessions(db, clock, accountId);
  return Number(result.numUpdatedRows);
}

export async function setSessionKind(db: Db, sessionId: string, kind: SessionKind): Promise<void> {
  await db.updateTable('sessions').set({ kind }).where('id', '=', sessionId).execute();
}
