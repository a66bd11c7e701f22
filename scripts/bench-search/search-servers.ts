import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { AccountSearchQuerySchema } from '../../common/api/account-search.ts';
import { systemClock } from '../../service/clock.ts';
import { searchAccounts } from '../../service/search/account-search.ts';
import { issueTokens } from '../../service/domain/admin/api-tokens.ts';
import { defaultPolicy } from '../../service/domain/policy.ts';
import { newId } from '../../service/ids.ts';
import type { Store } from '../../service/store/database.ts';
import { startServiceProcess } from '../service-process.ts';
import { log } from './format.ts';
import { accountRow } from './load-accounts.ts';

// The HTTP modes: the servers searched over loopback (http-client.ts searches them).

/** A minimal search route (GET /api/v1/accounts as the contract has it), when the service has none. */
export async function startSearchServer(store: Store) {
  const app = Fastify({ logger: false });
  app.get('/api/v1/accounts', async (request) => {
    const query = AccountSearchQuerySchema.parse(request.query);
    return searchAccounts(store.plannedDb, store.dialect, systemClock, query, {
      organizationIds: null,
    });
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return { port, token: undefined, close: () => app.close() };
}

/** The id of the "qqx" super-administrator (no query of the benchmark matches it), created once. */
async function ensureBenchAdmin(store: Store): Promise<{ id: string }> {
  const admin = await store.db
    .selectFrom('accounts')
    .select('id')
    .where('username_key', '=', 'qqxadmin')
    .executeTakeFirst();
  if (admin) return admin;
  const orgId = newId();
  const id = newId();
  await store.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('organizations')
      .values({
        id: orgId,
        name: 'Qqx',
        policy: JSON.stringify(defaultPolicy()),
        created_at: Date.now(),
      })
      .execute();
    await trx
      .insertInto('accounts')
      .values({
        ...accountRow(
          {
            username: 'qqxadmin',
            email: 'qqx@qqx.invalid',
            name: 'Qqx Qqx',
            phone: '',
            organization: 'Qqx',
            products: [],
            shared: false,
            holders: [],
          },
          orgId,
          Date.now(),
        ).account,
        id,
      })
      .execute();
    await trx
      .insertInto('role_grants')
      .values({
        id: newId(),
        account_id: id,
        role: 'super_admin',
        organization_id: null,
        created_at: Date.now(),
      })
      .execute();
  });
  return { id };
}

/**
 * The service as deployed: `service/cli.ts serve` in its own process (as slapd is the peer's),
 * on the loaded store, logging warnings only; and an access token of a super-administrator (a
 * "qqx" account no query of the benchmark matches, created once), issued before it starts.
 */
export async function startServiceRoute(
  store: Store,
  location: string,
  cache: string,
  searchIndex: 'memory' | 'store',
) {
  const admin = await ensureBenchAdmin(store);
  const { accessToken } = await issueTokens(store.db, systemClock, admin.id);
  const service = await startServiceProcess(
    {
      databaseUrl: location.startsWith('postgres') ? location : `sqlite:${location}`,
      dataDir: cache,
    },
    { SEARCH_INDEX: searchIndex },
  );
  const settled = await service.searchIndexSettled();
  if (settled.state !== (searchIndex === 'memory' ? 'ready' : 'store')) {
    await service.close();
    throw new Error(`the service's search index is ${settled.state}, not ${searchIndex}`);
  }
  if (searchIndex === 'memory') {
    log(`  search index built ${(settled.ms / 1000).toFixed(1)} s after the service listened`);
  }
  return { port: service.port, token: accessToken, close: () => service.close() };
}
