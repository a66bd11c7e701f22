import { createHash, randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Clock } from '../clock.ts';
import type { Db } from '../store/schema.ts';
import { recordAudit } from '../domain/audit.ts';
import { newId } from '../ids.ts';

/** The only signing algorithm: what every relying party library expects by default. */
export const SIGNING_ALG = 'RS256';

/** The longest any token signed by a key lives (an ID token: provider.ts ttl.IdToken). */
export const LONGEST_SIGNED_TOKEN_MS = 60 * 60_000;

/**
 * A retired key stays in the JWKS this long: every token it signed has expired by then, with a
 * margin for relying parties' clocks and for processes that have not yet reloaded the keys.
 */
export const RETIRED_KEY_KEPT_MS = LONGEST_SIGNED_TOKEN_MS + 10 * 60_000;

/** How often a running process reloads the keys from the store (mount.ts). */
export const KEY_RELOAD_MS = 30_000;

/**
 * A rotated-in key is published this long before it signs: by then every process has reloaded
 * and publishes it, so no product meets a token signed with a key its JWKS lacks (oidc-provider's
 * advice for rolling deployments: publish, then sign).
 */
export const KEY_PUBLISHED_BEFORE_USE_MS = 2 * KEY_RELOAD_MS;

/** The provider's keys, current first, as a process loads them. */
export interface ProviderKeys {
  /** Private JWKs: the signing key first, then the others published (retiring or upcoming). */
  signing: JWK[];
  /** Cookie-signing secrets, current first. */
  cookie: string[];
  /** Changes whenever the set or the order changes, so a process knows to reload. */
  fingerprint: string;
}

type KeyUse = 'sig' | 'cookie';

async function newSigningKey(): Promise<JWK & { kid: string }> {
  const { privateKey } = await generateKeyPair(SIGNING_ALG, {
    extractable: true,
    modulusLength: 2048,
  });
  return { ...(await exportJWK(privateKey)), kid: newId(), alg: SIGNING_ALG, use: 'sig' };
}

async function insertKey(db: Db, clock: Clock, use: KeyUse): Promise<void> {
  const jwk = use === 'sig' ? await newSigningKey() : undefined;
  await db
    .insertInto('oidc_keys')
    .values({
      id: jwk?.kid ?? newId(),
      use,
      material: jwk ? JSON.stringify(jwk) : randomBytes(32).toString('base64url'),
      created_at: clock.now(),
      retired_at: null,
    })
    .execute();
}

async function liveRows(db: Db, clock: Clock) {
  return db
    .selectFrom('oidc_keys')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb('retired_at', 'is', null),
        eb('retired_at', '>', clock.now() - RETIRED_KEY_KEPT_MS),
      ]),
    )
    .execute();
}

type KeyRow = { retired_at: number | null; created_at: number; id: string };

/** Signing now: its time has come (created_at) and not yet passed (retired_at). */
const signsAt = (row: KeyRow, now: number) =>
  row.created_at <= now && (row.retired_at === null || row.retired_at > now);

/** The signing key first, then the rest newest first; ties by id, so every process agrees. */
const inOrder = (now: number) => (a: KeyRow, b: KeyRow) =>
  Number(signsAt(b, now)) - Number(signsAt(a, now)) ||
  b.created_at - a.created_at ||
  (a.id < b.id ? 1 : -1);

/**
 * The keys to run the provider with, made at first start when there are none: the key signing
 * now first, then the ones still (or already) published. Two processes starting at once may
 * both make one: both are published and every process signs with the same, which is harmless.
 */
export async function loadProviderKeys(db: Db, clock: Clock): Promise<ProviderKeys> {
  let rows = await liveRows(db, clock);
  for (const use of ['sig', 'cookie'] as const) {
    if (!rows.some((r) => r.use === use && r.retired_at === null)) {
      await insertKey(db, clock, use);
      rows = await liveRows(db, clock);
    }
  }
  const now = clock.now();
  rows.sort(inOrder(now));
  const signing = rows.filter((r) => r.use === 'sig').map((r) => JSON.parse(r.material) as JWK);
  const cookie = rows.filter((r) => r.use === 'cookie').map((r) => r.material);
  const fingerprint = createHash('sha256')
    .update(rows.map((r) => `${r.id}:${r.retired_at ?? ''}:${signsAt(r, now)}`).join(','))
    .digest('hex');
  return { signing, cookie, fingerprint };
}

/** The current signing key (a private JWK), for tokens the service signs itself (logout tokens). */
export async function currentSigningKey(db: Db, clock: Clock): Promise<JWK & { kid: string }> {
  const [current] = (await loadProviderKeys(db, clock)).signing;
  if (!current?.kid) throw new Error('no signing key');
  return current as JWK & { kid: string };
}

/**
 * Rotates the signing key: the new one is published at once and signs from
 * KEY_PUBLISHED_BEFORE_USE_MS later, when the previous one retires; that one stays published
 * until every token it signed has expired (RETIRED_KEY_KEPT_MS), then `pruneRetiredKeys` drops
 * it. Running processes follow on their next key reload.
 */
export async function rotateSigningKey(
  db: Db,
  clock: Clock,
): Promise<{ kid: string; retired: string[]; signsFrom: number }> {
  const fresh = await newSigningKey();
  const signsFrom = clock.now() + KEY_PUBLISHED_BEFORE_USE_MS;
  return db.transaction().execute(async (trx) => {
    const retired = await trx
      .updateTable('oidc_keys')
      .set({ retired_at: signsFrom })
      .where('use', '=', 'sig')
      .where('retired_at', 'is', null)
      .returning('id')
      .execute();
    await trx
      .insertInto('oidc_keys')
      .values({
        id: fresh.kid,
        use: 'sig',
        material: JSON.stringify(fresh),
        created_at: signsFrom,
        retired_at: null,
      })
      .execute();
    const ids = retired.map((r) => r.id);
    await recordAudit(trx, clock, {
      type: 'oidc_key_rotated',
      actor: 'system',
      detail: { kid: fresh.kid, retired: ids, signsFrom },
    });
    return { kid: fresh.kid, retired: ids, signsFrom };
  });
}

/** Deletes retired keys nothing valid was signed with any more. */
export async function pruneRetiredKeys(db: Db, clock: Clock): Promise<number> {
  const result = await db
    .deleteFrom('oidc_keys')
    .where('retired_at', '<=', clock.now() - RETIRED_KEY_KEPT_MS)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
