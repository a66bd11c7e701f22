import { writeFileSync } from 'node:fs';
import { f2, mib } from './format.ts';
import type { Loaded } from './load.ts';
import type { ReportRow } from './measure.ts';
import type { Options } from './options.ts';
import type { PeerKind } from './peer.ts';
import { type Kind, RESULTS } from './queries.ts';

// The report: markdown tables on stdout, and everything as JSON with --json.

/** What a run measured: its loads, our rows of every round and the peer's. */
export interface RunResults {
  loads: Array<Omit<Loaded, 'store'>>;
  report: ReportRow[];
  peerRounds: PeerKind[][];
  peerN: number;
  peerLoad: string | null;
}

function printLoads(o: Options, { loads, peerRounds, peerN, peerLoad }: RunResults): void {
  console.log(
    `\nAccount search, N=${o.n} (seed ${o.seed}, ${o.orgs} organizations), ${o.queries} queries per kind, ${RESULTS} results, 1 client, after a warm-up pass; ms`,
  );
  for (const l of loads) {
    const load = l.loadSeconds === null ? '?' : `${l.loadSeconds.toFixed(0)} s`;
    const sizes = l.sizes.map(([k, v]) => `${k} ${mib(v)}`).join(', ');
    console.log(`${l.name}: ${l.reused ? 'cached load' : 'loaded now'}, load ${load}; ${sizes}`);
  }
  if (peerLoad !== null) {
    console.log(
      `peer: slapd loaded with N=${peerN} (${peerLoad}); measured in this run, ${peerRounds.length} round(s)`,
    );
  }
}

function printResults(o: Options, { report, peerRounds, peerN }: RunResults): void {
  const comparable = peerRounds.length > 0 && peerN === o.n;
  const peerFor = (round: number, kind: Kind) =>
    comparable ? peerRounds[round - 1]?.find((r) => r.kind === kind) : undefined;
  console.log(
    '\n| round | store | mode | kind | p50 | p95 | p99 | q/s | results | capped | peer p95 | p95 ratio |',
  );
  console.log('|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of report) {
    for (const k of r.results) {
      const s = k.summary;
      const p = peerFor(r.round, k.kind);
      console.log(
        `| ${r.round} | ${r.store} | ${r.mode} | ${k.kind} | ${f2(s.p50)} | ${f2(s.p95)} | ${f2(s.p99)} | ${s.qps.toFixed(0)} | ${s.meanItems.toFixed(1)} | ${(100 * s.capped).toFixed(0)}% | ${p ? f2(p.p95) : '–'} | ${p ? (s.p95 / p.p95).toFixed(2) : '–'} |`,
      );
    }
  }
}

function printPeer(o: Options, { peerRounds, peerN }: RunResults): void {
  if (peerRounds.length === 0) return;
  const comparable = peerN === o.n;
  console.log(`\npeer (slapd), N=${peerN}, 1 client:`);
  console.log('| round | kind | p50 | p95 | p99 | q/s |');
  console.log('|---:|---|---:|---:|---:|---:|');
  peerRounds.forEach((rows, i) => {
    for (const p of rows) {
      console.log(
        `| ${i + 1} | ${p.kind} | ${f2(p.p50)} | ${f2(p.p95)} | ${f2(p.p99)} | ${p.qps.toFixed(0)} |`,
      );
    }
  });
  if (!comparable) console.log(`(the peer ran at N=${peerN}, ours at N=${o.n}: no ratio)`);
}

function printSlowest({ report }: RunResults): void {
  console.log('\nslowest queries:');
  for (const r of report) {
    for (const k of r.results) {
      const slow = k.slowest.map((s) => `"${s.term}" ${f2(s.ms)}`).join(', ');
      console.log(`  round ${r.round} ${r.store} ${r.mode} ${k.kind}: ${slow}`);
    }
  }
}

/** Prints the loads, our rows against the peer's p95, the peer's rows and the slowest terms. */
export function printReport(o: Options, results: RunResults): void {
  printLoads(o, results);
  printResults(o, results);
  printPeer(o, results);
  printSlowest(results);
}

/** Writes the run's options and results to --json. */
export function writeJson(file: string, o: Options, r: RunResults): void {
  const { loads, peerN, peerLoad, peerRounds, report } = r;
  const out = { n: o.n, seed: o.seed, orgs: o.orgs, loads, peerN, peerLoad, peerRounds, report };
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
}
