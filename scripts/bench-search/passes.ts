import { performance } from 'node:perf_hooks';
import type { AccountSearchResult } from '../../common/api/account-search.ts';
import { f2, log } from './format.ts';
import { KINDS, type Kind, type Query } from './queries.ts';

// Measuring: one client, a warm-up pass of every kind, then a measured pass per kind.

interface Sample {
  ms: number;
  items: number;
  term: string;
}

/** Latency percentiles, throughput and result counts of one measured pass. */
export interface Summary {
  queries: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
  qps: number;
  meanItems: number;
  capped: number;
}

/** One search: a term in, the page of accounts out. */
export type Runner = (term: string) => Promise<AccountSearchResult>;

/** The measured pass of one kind and its three slowest terms. */
export interface KindResult {
  kind: Kind;
  summary: Summary;
  slowest: Array<{ term: string; ms: number }>;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function summarize(samples: Sample[], wallMs: number, cappedCount: number): Summary {
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  return {
    queries: samples.length,
    p50: pct(ms, 50),
    p95: pct(ms, 95),
    p99: pct(ms, 99),
    max: ms[ms.length - 1] ?? NaN,
    mean: ms.reduce((a, b) => a + b, 0) / ms.length,
    qps: samples.length / (wallMs / 1000),
    meanItems: samples.reduce((a, s) => a + s.items, 0) / samples.length,
    capped: cappedCount / samples.length,
  };
}

async function pass(
  run: Runner,
  list: Query[],
): Promise<{ samples: Sample[]; wallMs: number; capped: number }> {
  const samples: Sample[] = [];
  let capped = 0;
  const t0 = performance.now();
  for (const q of list) {
    const started = performance.now();
    const result = await run(q.term);
    const ms = performance.now() - started;
    if (result.items.length === 0)
      throw new Error(`no result for "${q.term}" (${q.kind}): wrong data loaded?`);
    if (result.totalCapped) capped += 1;
    samples.push({ ms, items: result.items.length, term: q.term });
  }
  return { samples, wallMs: performance.now() - t0, capped };
}

/** A warm-up pass of every kind's queries through run, then a measured pass of each. */
export async function measure(
  label: string,
  run: Runner,
  queries: Record<Kind, Query[]>,
): Promise<KindResult[]> {
  const out: KindResult[] = [];
  // A warm-up pass of every kind first: the peer warms up per kind too, but slapd is compiled
  // ahead of time, while a Node service reaches its steady state (optimized code, the store's
  // pages mapped) over the first thousand or so requests, as it does once after any start.
  for (const kind of KINDS) await pass(run, queries[kind]);
  for (const kind of KINDS) {
    const list = queries[kind];
    const measured = await pass(run, list);
    const summary = summarize(measured.samples, measured.wallMs, measured.capped);
    const slowest = [...measured.samples]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 3)
      .map((s) => ({ term: s.term, ms: Number(s.ms.toFixed(2)) }));
    out.push({ kind, summary, slowest });
    log(
      `${label} ${kind}: p50 ${f2(summary.p50)} p95 ${f2(summary.p95)} p99 ${f2(summary.p99)} ms, ${summary.qps.toFixed(0)} q/s`,
    );
  }
  return out;
}
