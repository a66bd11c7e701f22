import { AccountSearchQuerySchema } from '../../common/api/account-search.ts';
import { systemClock } from '../../service/clock.ts';
import { searchAccounts } from '../../service/search/account-search.ts';
import { openStore, type Store } from '../../service/store/database.ts';
import { measureOverHttp } from './http-client.ts';
import type { Loaded } from './load.ts';
import type { Options } from './options.ts';
import { measure, type KindResult, type Runner } from './passes.ts';
import { type Kind, type Query, RESULTS } from './queries.ts';
import { startSearchServer, startServiceRoute } from './search-servers.ts';

/** The results of one store and mode in one round. */
export interface ReportRow {
  round: number;
  store: string;
  mode: string;
  results: KindResult[];
}

/** One mode on an open store: its name in the report and its results. */
async function measureMode(
  store: Store,
  location: string,
  mode: Options['modes'][number],
  label: string,
  cache: string,
  queries: Record<Kind, Query[]>,
): Promise<{ mode: string; results: KindResult[] }> {
  if (mode === 'direct') {
    const direct: Runner = (term) =>
      searchAccounts(
        store.plannedDb,
        store.dialect,
        systemClock,
        AccountSearchQuerySchema.parse({ q: term, limit: RESULTS }),
        { organizationIds: null },
      );
    return { mode: 'direct', results: await measure(`${label} direct`, direct, queries) };
  }
  const server =
    mode === 'minimal'
      ? await startSearchServer(store)
      : await startServiceRoute(store, location, cache, mode === 'route' ? 'memory' : 'store');
  const name =
    mode === 'route'
      ? 'HTTP, the service process (bearer)'
      : mode === 'store-route'
        ? 'HTTP, the service process, SEARCH_INDEX=store'
        : 'HTTP, bare route';
  try {
    const results = await measureOverHttp(`${label} ${name}`, server.port, server.token, queries);
    return { mode: name, results };
  } finally {
    await server.close();
  }
}

/** Every store and mode, once: the rows of one round. */
export async function measureOurs(
  o: Options,
  loads: Array<Omit<Loaded, 'store'>>,
  queries: Record<Kind, Query[]>,
  round: number,
): Promise<ReportRow[]> {
  const report: ReportRow[] = [];
  for (const loaded of loads) {
    const postgres = loaded.location.startsWith('postgres');
    const store = await openStore(
      postgres ? loaded.location : `sqlite:${loaded.location}`,
      o.cache,
    );
    try {
      for (const mode of o.modes) {
        const { mode: name, results } = await measureMode(
          store,
          loaded.location,
          mode,
          loaded.name,
          o.cache,
          queries,
        );
        report.push({ round, store: loaded.name, mode: name, results });
      }
    } finally {
      await store.close();
    }
  }
  return report;
}
