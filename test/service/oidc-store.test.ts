import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../service/clock.ts';
import { hashToken } from '../../service/ids.ts';
import { StoreAdapter } from '../../service/oidc/adapter.ts';
import { registerClient } from '../../service/oidc/clients.ts';
import { pruneProviderState } from '../../service/oidc/logout-dispatcher.ts';
import { endProductSessions } from '../../service/oidc/product-sessions.ts';
import type { ServiceContext } from '../../service/context.ts';
import { argon2Hasher } from '../../service/domain/passwords.ts';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { openTestStore } from '../support/store.ts';

// Issue 14: the provider's state in the store (SQLite file, or a PostgreSQL schema under
// test:pg): only hashed ids, the look-ups the provider needs, the account-wide revocation, and
// pruning of what expired.

let store: Awaited<ReturnType<typeof openTestStore>>;
const clock = new ManualClock();
let ctx: ServiceContext;
let accountId: string;
let withBackchannel: string;
let withoutBackchannel: string;

const adapter = (model: string) => new StoreAdapter(store.db, clock, model);

beforeAll(async () => {
  store = await openTestStore();
  ctx = { db: store.db, clock, hasher: argon2Hasher } as unknown as ServiceContext;
  const org = await seedOrganization(ctx, 'Store Clinic');
  accountId = await seedAccount(ctx, { organizationId: org, username: 'stored' });
  const register = async (backchannel: boolean) => {
    const result = await registerClient(store.db, clock, {
      product: 'emresource',
      redirectUris: ['https://emresource.example.org/callback'],
      ...(backchannel ? { backchannelLogoutUri: 'https://emresource.example.org/bc' } : {}),
    });
    if (!result.ok) throw new Error('not registered');
    return result.clientId;
  };
  withBackchannel = await register(true);
  withoutBackchannel = await register(false);
});
afterAll(async () => store?.close());

describe('the adapter', () => {
  it('R61: keeps ids only as SHA-256, and gives the record back (with its id) only to its id', async () => {
    const token = 'opaque-refresh-token-value-0123456789abcdef';
    await adapter('RefreshToken').upsert(
      token,
      { accountId, grantId: 'grant-1', clientId: withBackchannel, jti: token, exp: 9e9 },
      3600,
    );
    const rows = await store.db.selectFrom('oidc_models').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(rows.map((r) => r.id)).toContain(hashToken(token));
    expect(await adapter('RefreshToken').find(token)).toMatchObject({ jti: token, accountId });
    expect(await adapter('AccessToken').find(token)).toBeUndefined();
    await adapter('RefreshToken').consume(token);
    expect((await adapter('RefreshToken').find(token))?.consumed).toBeGreaterThan(0);
    await adapter('RefreshToken').revokeByGrantId('grant-1');
    expect(await adapter('RefreshToken').find(token)).toBeUndefined();
  });

  it('finds a session by its uid; an interaction never stores the session cookie it copies', async () => {
    await adapter('Session').upsert('session-cookie-value', { uid: 'uid-1', accountId }, 600);
    expect(await adapter('Session').findByUid('uid-1')).toMatchObject({ uid: 'uid-1' });
    await adapter('Interaction').upsert(
      'interaction-1',
      { session: { accountId, uid: 'uid-1', cookie: 'session-cookie-value' } },
      600,
    );
    const dump = JSON.stringify(await store.db.selectFrom('oidc_models').selectAll().execute());
    expect(dump).not.toContain('session-cookie-value');
    await adapter('Session').destroy('session-cookie-value');
    expect(await adapter('Session').findByUid('uid-1')).toBeUndefined();
  });

  it('records that expired over a minute ago are pruned; live ones stay', async () => {
    await adapter('AuthorizationCode').upsert('old-code', { accountId }, 60);
    await adapter('AuthorizationCode').upsert('new-code', { accountId }, 3600);
    clock.advance(5 * 60_000);
    await pruneProviderState(store.db, clock);
    expect(await adapter('AuthorizationCode').find('old-code')).toBeUndefined();
    expect(await adapter('AuthorizationCode').find('new-code')).toBeDefined();
  });
});

describe('endProductSessions', () => {
  it("deletes the account's sessions, grants and tokens (not its interactions), and queues one logout per product session", async () => {
    await store.db.deleteFrom('oidc_models').execute();
    await adapter('Session').upsert(
      's1',
      {
        uid: 'u1',
        accountId,
        authorizations: {
          [withBackchannel]: { sid: 'sid-a', grantId: 'g1' },
          [withoutBackchannel]: { sid: 'sid-b', grantId: 'g2' },
        },
      },
      600,
    );
    // A second sign-in elsewhere, known only from its refresh token.
    await adapter('RefreshToken').upsert(
      'rt',
      { accountId, clientId: withBackchannel, grantId: 'g3', sid: 'sid-c' },
      600,
    );
    await adapter('Grant').upsert('g1', { accountId, clientId: withBackchannel }, 600);
    await adapter('Interaction').upsert('i1', { accountId }, 600);
    const queued = await store.db
      .transaction()
      .execute((trx) => endProductSessions(trx, clock, accountId));
    expect(queued).toBe(2);
    const deliveries = await store.db
      .selectFrom('oidc_logout_deliveries')
      .select(['client_id', 'sid', 'status'])
      .where('account_id', '=', accountId)
      .execute();
    expect(deliveries.map((d) => d.sid).sort()).toEqual(['sid-a', 'sid-c']);
    expect(new Set(deliveries.map((d) => d.client_id))).toEqual(new Set([withBackchannel]));
    const left = await store.db.selectFrom('oidc_models').select('model').execute();
    expect(left.map((r) => r.model)).toEqual(['Interaction']);
  });

  it('a product known only from a grant is told without a sid (the whole subject)', async () => {
    await store.db.deleteFrom('oidc_logout_deliveries').execute();
    await adapter('Grant').upsert('g9', { accountId, clientId: withBackchannel }, 600);
    expect(
      await store.db.transaction().execute((trx) => endProductSessions(trx, clock, accountId)),
    ).toBe(1);
    const [delivery] = await store.db.selectFrom('oidc_logout_deliveries').selectAll().execute();
    expect(delivery).toMatchObject({ client_id: withBackchannel, sid: null, status: 'queued' });
  });
});
