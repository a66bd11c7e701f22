import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { usernameKey } from '../service/domain/accounts.ts';
import { parseTerm } from '../service/search/search-query.ts';
import { foldSearchText } from '../service/search/text-folding.ts';
import {
  MemoryIndex,
  type IndexedAccount,
  type IndexQuery,
} from '../service/search/memory/memory-index.ts';
import { storeSuggestions } from '../service/search/store-suggestions.ts';
import { openSqlite } from './bench-search/load.ts';
import { parseArgs } from './bench-search/options.ts';
import { loadGenerator, type GeneratedUser } from './bench-search/queries.ts';

// What "did you mean" costs on a miss (issue 15): the in-memory index of --n generated
// accounts (scripts/gen-users.mjs), a search that finds nothing, then its suggestions; with
// --store, the same misses answered by the store (bench:search's cached SQLite load of --n).

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const N = arg('n', 100_000);
const ROUNDS = arg('rounds', 20);
const STORE = process.argv.includes('--store');

interface Generator {
  generateUsers(o: { n: number; seed: number; orgs: number }): Iterable<GeneratedUser>;
}

function indexed(users: GeneratedUser[]): IndexedAccount[] {
  const orgs = new Map<string, string>();
  const seen = new Set<string>();
  const accounts: IndexedAccount[] = [];
  for (const u of users) {
    const key = usernameKey(u.username);
    if (seen.has(key)) continue;
    seen.add(key);
    const org = orgs.get(u.organization) ?? `org-${orgs.size}`;
    orgs.set(u.organization, org);
    accounts.push({
      id: `id-${accounts.length}`,
      key,
      text: foldSearchText([u.username, u.email, u.name, u.phone, u.organization].join('\n')),
      username: u.username,
      email: u.email,
      name: u.name,
      phone: u.phone,
      organizationId: org,
      organizationName: u.organization,
      lockedAt: null,
      lockedUntil: null,
      disabledAt: null,
      shared: u.shared,
      mustChangePassword: false,
      hasQuestion: true,
    });
  }
  return accounts.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Milliseconds per call of `run`, the median of ROUNDS. */
async function median(run: () => unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i += 1) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? 0;
}

const gen = (await import(pathToFileURL(path.resolve('scripts/gen-users.mjs')).href)) as Generator;
const accounts = indexed([...gen.generateUsers({ n: N, seed: 42, orgs: 40 })]);
const index = await MemoryIndex.build(
  (async function* () {
    yield accounts;
  })(),
  async () => {},
);
const someOrgs = [...new Set(accounts.map((a) => a.organizationId))].slice(0, 5);
// Typos of real usernames (one and two edits) and strings near nothing.
const sample = accounts[Math.floor(accounts.length / 2)]?.username ?? 'alice';
const queries = [
  sample.slice(0, -1) + 'q',
  sample.slice(1, 3) + sample.slice(0, 1) + sample.slice(3) + 'z',
  'zzqxw',
  'qqqqxxxxzz',
];
for (const scope of [null, someOrgs]) {
  for (const q of queries) {
    const query: IndexQuery = {
      term: parseTerm(q),
      filters: [],
      organization: undefined,
      organizationIds: scope,
      now: Date.now(),
    };
    const first = index.firstPage(query, 51);
    const search = await median(() => index.firstPage(query, 51));
    const suggest = await median(() => index.suggest(query));
    console.log(
      `${index.size} accounts, scope ${scope ? `${scope.length} orgs` : 'all'}, "${q}": ` +
        `${first.total} results in ${search.toFixed(2)} ms; suggestions ${JSON.stringify(index.suggest(query))} in ${suggest.toFixed(2)} ms`,
    );
  }
}

if (STORE) {
  // The bench's load has its own organizations (--orgs 2000), so only the whole scope compares.
  const loaded = await openSqlite(await loadGenerator(), parseArgs(['--n', String(N)]));
  const { db } = loaded.store;
  for (const q of queries) {
    const key = parseTerm(q).exact;
    const found = await storeSuggestions(db, 'sqlite', key, []);
    const ms = await median(() => storeSuggestions(db, 'sqlite', key, []));
    console.log(
      `store (SQLite, ${N} accounts), scope all, "${q}": suggestions ${JSON.stringify(found)} in ${ms.toFixed(2)} ms`,
    );
  }
  await loaded.store.close();
}
