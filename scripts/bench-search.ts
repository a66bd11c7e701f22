/**
 * Account search benchmark against the LDAP peer (../shared/bench/ldap-peer, issue 3).
 *
 *   npx tsx scripts/bench-search.ts [--n 1000000] [--queries 500] [--seed 42] [--orgs 2000]
 *     [--store sqlite|postgres|both] [--peer] [--peer-n N] [--rounds R]
 *     [--modes direct,route,store-route,minimal]
 *     [--cache DIR] [--json FILE] [--measure-import K]
 *
 * Loads the N accounts of the peer's gen-users.mjs (same seed and organizations: the same
 * people) into SQLite, and into PostgreSQL when DATABASE_URL is set, then runs the peer's four
 * query kinds (500 each, 50 results; drawn exactly as its bench-search.mjs draws them) with one
 * client, a warm-up pass of every kind, then a measured pass per kind (the peer warms up per kind):
 *   direct   searchAccounts() in process: the store's own search (SQL over search_grams);
 *   route    the service as deployed (`service/cli.ts serve` in its own process, as slapd is
 *            the peer's), GET /api/v1/accounts with a super-administrator's bearer token, over
 *            one keep-alive HTTP connection on loopback from a client process of its own (as
 *            the peer's is), once its in-memory search index is built (the time it took is
 *            printed);
 *   store-route  the same with SEARCH_INDEX=store: the store's search behind the route;
 *   minimal  a bare Fastify route calling searchAccounts, same client (no auth: its cost shows).
 * Loaded stores are cached (a SQLite file under --cache, a PostgreSQL schema) and reused while
 * the generator, the accounts schema, the search index SQL and N are unchanged.
 * --peer loads slapd with the peer's run-slapd.sh at --peer-n (default N; reused while its
 * load matches) and runs its bench-search.mjs before ours in each of --rounds rounds, so both
 * are measured in the same run; p95 ratios are printed when both ran at the same N.
 */
import { performance } from 'node:perf_hooks';
import { log } from './bench-search/format.ts';
import { loadStores } from './bench-search/load.ts';
import { measureOurs, type ReportRow } from './bench-search/measure.ts';
import { measureImport } from './bench-search/measure-import.ts';
import { parseArgs } from './bench-search/options.ts';
import { benchPeer, type PeerKind, startPeer, stopPeer } from './bench-search/peer.ts';
import { buildQueries, loadGenerator } from './bench-search/queries.ts';
import { printReport, writeJson } from './bench-search/report.ts';

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const gen = await loadGenerator();
  if (o.measureImport > 0) await measureImport(gen, o, o.measureImport);
  const tq = performance.now();
  const queries = buildQueries(gen, o, o.n);
  log(
    `${o.queries} queries per kind drawn from N=${o.n} seed=${o.seed} in ${(performance.now() - tq).toFixed(0)} ms`,
  );
  const loads = await loadStores(gen, o);

  const peerN = o.peerN ?? o.n;
  const peerLoad = o.peer ? startPeer(peerN, o) : null;
  const peerRounds: PeerKind[][] = [];
  const report: ReportRow[] = [];
  try {
    for (let round = 1; round <= o.rounds; round += 1) {
      if (peerLoad !== null) {
        const peer = benchPeer(peerN, o, round);
        if (peer) peerRounds.push(peer);
      }
      report.push(...(await measureOurs(o, loads, queries, round)));
    }
  } finally {
    if (peerLoad !== null) stopPeer();
  }
  const results = { loads, report, peerRounds, peerN, peerLoad };
  printReport(o, results);
  if (o.json) writeJson(o.json, o, results);
}

main().catch((e: unknown) => {
  log(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});
