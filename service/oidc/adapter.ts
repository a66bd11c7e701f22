import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Clock } from '../clock.ts';
import type { Db } from '../store/schema.ts';
import { hashToken } from '../ids.ts';
import { clientMetadata, findClient } from './clients.ts';

/** The models whose rows belong to a grant and die with it (revokeByGrantId). */
const GRANT_MEMBERS = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
]);

/**
 * oidc-provider's storage over the store (SQLite or PostgreSQL), so every service process sees
 * the same codes, sessions and tokens. Ids are kept only as SHA-256: an opaque token's id is
 * the token itself, a session's id is its cookie (R11, R61). A record's own id is put back into
 * its payload when it is looked up by that id; a session found by its uid (read-only checks in
 * the provider) comes back without it.
 */
export class StoreAdapter implements Adapter {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly model: string,
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    if (this.model === 'Client') throw new Error('clients are registered from the CLI or API');
    const stored = storedPayload(this.model, payload);
    const row = {
      payload: JSON.stringify(stored),
      account_id: payload.accountId ?? null,
      grant_id: payload.grantId ?? null,
      uid: typeof payload.uid === 'string' ? hashToken(payload.uid) : null,
      expires_at: typeof expiresIn === 'number' ? this.clock.now() + expiresIn * 1000 : null,
    };
    await this.db
      .insertInto('oidc_models')
      .values({ model: this.model, id: hashToken(id), consumed_at: null, ...row })
      .onConflict((oc) => oc.columns(['model', 'id']).doUpdateSet(row))
      .execute();
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    if (this.model === 'Client') {
      const client = await findClient(this.db, id);
      return client ? clientMetadata(client) : undefined;
    }
    const row = await this.db
      .selectFrom('oidc_models')
      .select(['payload', 'consumed_at'])
      .where('model', '=', this.model)
      .where('id', '=', hashToken(id))
      .executeTakeFirst();
    return row ? { ...loaded(row), jti: id } : undefined;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const row = await this.db
      .selectFrom('oidc_models')
      .select(['payload', 'consumed_at'])
      .where('model', '=', this.model)
      .where('uid', '=', hashToken(uid))
      .executeTakeFirst();
    return row ? loaded(row) : undefined;
  }

  // The device flow, the only user of user codes, is not enabled.
  async findByUserCode(): Promise<undefined> {
    return undefined;
  }

  async consume(id: string): Promise<void> {
    await this.db
      .updateTable('oidc_models')
      .set({ consumed_at: this.clock.now() })
      .where('model', '=', this.model)
      .where('id', '=', hashToken(id))
      .execute();
  }

  async destroy(id: string): Promise<void> {
    await this.db
      .deleteFrom('oidc_models')
      .where('model', '=', this.model)
      .where('id', '=', hashToken(id))
      .execute();
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    if (!GRANT_MEMBERS.has(this.model)) return;
    await this.db
      .deleteFrom('oidc_models')
      .where('model', '=', this.model)
      .where('grant_id', '=', grantId)
      .execute();
  }
}

/** The payload as stored: without its id, and without the session cookie an interaction copies. */
function storedPayload(model: string, payload: AdapterPayload): AdapterPayload {
  const stored: AdapterPayload = { ...payload };
  delete stored.jti;
  // The provider never reads it back; keeping it would store a session cookie in clear.
  if (model === 'Interaction' && stored.session) {
    stored.session = { ...stored.session };
    delete stored.session.cookie;
  }
  return stored;
}

function loaded(row: { payload: string; consumed_at: number | null }): AdapterPayload {
  const payload = JSON.parse(row.payload) as AdapterPayload;
  // The provider only asks whether (and in its epoch seconds when) a code was consumed.
  return row.consumed_at === null
    ? payload
    : { ...payload, consumed: Math.floor(row.consumed_at / 1000) };
}

/** Deletes records that expired more than a minute ago (the provider allows some clock skew). */
export async function pruneOidcModels(db: Db, clock: Clock): Promise<number> {
  const result = await db
    .deleteFrom('oidc_models')
    .where('expires_at', '<', clock.now() - 60_000)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
