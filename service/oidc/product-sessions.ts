import type { AdapterPayload } from 'oidc-provider';
import type { Clock } from '../clock.ts';
import type { Db } from '../store/schema.ts';
import { newId } from '../ids.ts';

/** The provider's records that carry a product sign-in's session id (`sid`) for a client. */
const WITH_SID = new Set(['AccessToken', 'RefreshToken', 'AuthorizationCode']);

/** clientId → the session ids (sid) the account has there; empty when only a grant is known. */
type ProductSignIns = Map<string, Set<string>>;

function note(signIns: ProductSignIns, clientId: unknown, sid?: unknown): void {
  if (typeof clientId !== 'string') return;
  const sids = signIns.get(clientId) ?? new Set<string>();
  if (typeof sid === 'string') sids.add(sid);
  signIns.set(clientId, sids);
}

/** Where the account is signed in at the products, read from the provider's live records. */
async function productSignIns(db: Db, clock: Clock, accountId: string): Promise<ProductSignIns> {
  const rows = await db
    .selectFrom('oidc_models')
    .select(['model', 'payload'])
    .where('account_id', '=', accountId)
    .where('model', '!=', 'Interaction')
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', clock.now())]))
    .execute();
  const signIns: ProductSignIns = new Map();
  for (const row of rows) {
    const payload = JSON.parse(row.payload) as AdapterPayload;
    if (row.model === 'Session') {
      for (const [clientId, auth] of Object.entries(payload.authorizations ?? {}))
        note(signIns, clientId, auth.sid);
    } else if (row.model === 'Grant' || WITH_SID.has(row.model)) {
      note(signIns, payload.clientId, payload.sid);
    }
  }
  return signIns;
}

/**
 * Ends an account's sessions at every product, inside the caller's transaction (the one that
 * ends its Latchkey sessions: sessions.ts `endAccountSessions`):
 *
 * - the provider's sessions, grants, codes, access and refresh tokens of the account are deleted,
 *   so no refresh and no single sign-on continues from them;
 * - one back-channel logout is queued per product session for every client the account has
 *   signed in to (a live provider session, grant or token names it) that registered a
 *   `backchannel_logout_uri`. Products the account never signed in to are not told: there is
 *   nothing to end there, and telling them would announce an account they do not know.
 *
 * Each delivery names the session (`sid`) when one is known, so a product ends exactly the
 * sessions that existed, not a sign-in made after this change (a sub-only token is sent only
 * when no sid is known for that client). Answers how many deliveries were queued.
 */
export async function endProductSessions(db: Db, clock: Clock, accountId: string): Promise<number> {
  const signIns = await productSignIns(db, clock, accountId);
  await db
    .deleteFrom('oidc_models')
    .where('account_id', '=', accountId)
    .where('model', '!=', 'Interaction')
    .execute();
  if (signIns.size === 0) return 0;
  const listening = await db
    .selectFrom('oidc_clients')
    .select('client_id')
    .where('client_id', 'in', [...signIns.keys()])
    .where('backchannel_logout_uri', 'is not', null)
    .execute();
  const deliveries = listening.flatMap(({ client_id }) => {
    const sids = [...(signIns.get(client_id) ?? [])];
    return (sids.length ? sids : [null]).map((sid) =>
      deliveryRow(clock, { accountId, clientId: client_id, sid }),
    );
  });
  if (deliveries.length) await db.insertInto('oidc_logout_deliveries').values(deliveries).execute();
  return deliveries.length;
}

interface LogoutTarget {
  accountId: string;
  clientId: string;
  sid: string | null;
}

function deliveryRow(clock: Clock, target: LogoutTarget) {
  const now = clock.now();
  return {
    id: newId(),
    account_id: target.accountId,
    client_id: target.clientId,
    sid: target.sid,
    created_at: now,
    status: 'queued',
    attempts: 0,
    next_attempt_at: now,
    lease_until: null,
    last_error: null,
    delivered_at: null,
  };
}

/**
 * Queues one back-channel logout (RP-initiated logout ends a browser's provider session: each
 * product signed in in it is told through the same retried outbox).
 */
export async function queueProductLogout(
  db: Db,
  clock: Clock,
  target: LogoutTarget,
): Promise<void> {
  await db.insertInto('oidc_logout_deliveries').values(deliveryRow(clock, target)).execute();
}

/** One product's back-channel logout as the account view shows it. */
export interface ProductLogout {
  id: string;
  product: string;
  clientId: string;
  queuedAt: number;
  status: 'queued' | 'delivered' | 'failed';
  attempts: number;
  lastError: string | null;
  deliveredAt: number | null;
  /** When a waiting delivery is tried next; null once delivered or given up. */
  nextAttemptAt: number | null;
}

/** The account's most recent back-channel logouts, newest first, with their delivery state. */
export async function productLogoutsOf(
  db: Db,
  accountId: string,
  limit = 20,
): Promise<ProductLogout[]> {
  const rows = await db
    .selectFrom('oidc_logout_deliveries as d')
    .innerJoin('oidc_clients as c', 'c.client_id', 'd.client_id')
    .innerJoin('products as p', 'p.id', 'c.product_id')
    .select([
      'd.id',
      'p.name as product',
      'd.client_id',
      'd.created_at',
      'd.status',
      'd.attempts',
      'd.last_error',
      'd.delivered_at',
      'd.next_attempt_at',
    ])
    .where('d.account_id', '=', accountId)
    .orderBy('d.created_at', 'desc')
    .orderBy('d.id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    product: r.product,
    clientId: r.client_id,
    queuedAt: r.created_at,
    status: r.status as ProductLogout['status'],
    attempts: r.attempts,
    lastError: r.last_error,
    deliveredAt: r.delivered_at,
    nextAttemptAt: r.status === 'queued' ? r.next_attempt_at : null,
  }));
}
