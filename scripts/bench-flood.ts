/**
 * Real resets under a flood (issue 18), a benchmark, not a test. With one and two service
 * processes on one store (SQLite always; PostgreSQL as well when DATABASE_URL names one):
 * - a flood of 10,000 Reset Your Password requests for identifiers no account has, over HTTP
 *   from many client addresses, while 20 people ask for a real reset: how long each real reset
 *   email takes from the request to the SMTP server (p50/p95/max), against the same 20 resets
 *   with nothing else queued (the baseline, same run);
 * - the same 10,000 already queued ahead of 20 real resets: how fast the dispatchers work a
 *   backlog off, and whether two processes do it at least as fast as one.
 *
 * Options: --flood N (10000), --genuine N (20), --processes 1,2, --store sqlite,postgres,
 * --concurrency N (16 requests in flight), --wait-seconds N (300).
 */
import { parseArgs } from 'node:util';
import { startSmtp } from '../test/support/smtp.ts';
import { runFlood, type FloodResult, type PhaseResult } from './bench-flood/flood-run.ts';
import { postgresStore, sqliteStore, type StoreUnderTest } from './bench-flood/stores.ts';

const log = (line: string) => process.stderr.write(`${line}\n`);

const { values } = parseArgs({
  options: {
    flood: { type: 'string', default: '10000' },
    genuine: { type: 'string', default: '20' },
    processes: { type: 'string', default: '1,2' },
    store: { type: 'string', default: 'sqlite,postgres' },
    concurrency: { type: 'string', default: '16' },
    'wait-seconds': { type: 'string', default: '300' },
  },
});

function count(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive whole number`);
  return n;
}

function quantile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}

const seconds = (ms: number) => (Number.isNaN(ms) ? '—' : (ms / 1000).toFixed(2));

function stores(): StoreUnderTest[] {
  const wanted = values.store.split(',');
  const list: StoreUnderTest[] = [];
  if (wanted.includes('sqlite')) list.push(sqliteStore());
  const url = process.env.DATABASE_URL;
  if (wanted.includes('postgres')) {
    if (url && /^postgres(ql)?:\/\//.test(url)) list.push(postgresStore(url));
    else log('PostgreSQL skipped: set DATABASE_URL=postgres://… to run it too.');
  }
  return list;
}

interface Row {
  store: string;
  processes: number;
  result: FloodResult;
}

const lost = (phase: PhaseResult) => phase.missing;

function table(title: string, columns: Array<[string, number]>, rows: string[][]): void {
  const header = columns.map(([name, width], i) => (i ? name.padStart(width) : name.padEnd(width)));
  console.log(`\n${title}`);
  console.log(header.join(' '));
  console.log('-'.repeat(header.join(' ').length));
  for (const row of rows)
    console.log(
      row
        .map((cell, i) => {
          const width = columns[i]?.[1] ?? 0;
          return i ? cell.padStart(width) : cell.padEnd(width);
        })
        .join(' '),
    );
}

function print(rows: Row[], flood: number, genuine: number): void {
  table(
    `A flood of ${flood} Reset Your Password requests for unknown identifiers over HTTP, from many client addresses, ` +
      `with ${genuine} real resets among them:\nseconds from each real request to its email at the SMTP server; ` +
      `baseline: the same ${genuine} resets with nothing else queued; "all done": from the flood's start until nothing waited.`,
    [
      ['store', 11],
      ['procs', 5],
      ['flood sent', 10],
      ['req/s', 6],
      ['peak queued', 11],
      ['baseline p50', 12],
      ['reset p50', 9],
      ['p95', 6],
      ['max', 6],
      ['p50/baseline', 12],
      ['all done', 8],
      ['lost', 4],
    ],
    rows.map(({ store, processes, result: { quiet, flood: f } }) => [
      store,
      String(processes),
      seconds(f.sendMs),
      String(Math.round(flood / (f.sendMs / 1000))),
      String(f.peakQueued),
      seconds(quantile(quiet.times, 0.5)),
      seconds(quantile(f.times, 0.5)),
      seconds(quantile(f.times, 0.95)),
      seconds(quantile(f.times, 1)),
      (quantile(f.times, 0.5) / quantile(quiet.times, 0.5)).toFixed(1),
      seconds(f.drainedMs),
      String(lost(quiet) + lost(f) + f.otherReplies),
    ]),
  );
  table(
    `${flood} requests for unknown identifiers already queued, all ahead of ${genuine} real resets ` +
      `(what the dispatchers face after a flood outran them):\nseconds from the moment they were queued.`,
    [
      ['store', 11],
      ['procs', 5],
      ['reset p50', 9],
      ['p95', 6],
      ['max', 6],
      ['worked off', 10],
      ['requests/s', 10],
      ['lost', 4],
    ],
    rows.map(({ store, processes, result: { backlog: b } }) => [
      store,
      String(processes),
      seconds(quantile(b.times, 0.5)),
      seconds(quantile(b.times, 0.95)),
      seconds(quantile(b.times, 1)),
      seconds(b.drainedMs),
      Number.isNaN(b.drainedMs)
        ? '—'
        : String(Math.round((flood + genuine) / (b.drainedMs / 1000))),
      String(lost(b)),
    ]),
  );
  console.log(
    '"lost": real resets whose email never came, plus replies other than the information page.',
  );
  for (const store of new Set(rows.map((r) => r.store))) {
    const of = (n: number) => rows.find((r) => r.store === store && r.processes === n)?.result;
    const one = of(1);
    const two = of(2);
    if (one && two)
      console.log(
        `${store}: two processes against one — backlog worked off ${(two.backlog.drainedMs / one.backlog.drainedMs).toFixed(2)}x the time, ` +
          `reset p50 in the flood ${(quantile(two.flood.times, 0.5) / quantile(one.flood.times, 0.5)).toFixed(2)}x`,
      );
  }
}

async function main(): Promise<void> {
  const plan = {
    flood: count('flood', values.flood),
    genuine: count('genuine', values.genuine),
    concurrency: count('concurrency', values.concurrency),
    waitMs: count('wait-seconds', values['wait-seconds']) * 1000,
  };
  const processCounts = values.processes.split(',').map((p) => count('processes', p));
  const smtp = await startSmtp();
  const rows: Row[] = [];
  try {
    for (const target of stores()) {
      for (const processes of processCounts) {
        log(`${target.name}, ${processes} process(es):`);
        const result = await runFlood(target, smtp, { ...plan, processes }, log);
        rows.push({ store: target.name, processes, result });
      }
    }
  } finally {
    await smtp.close();
  }
  print(rows, plan.flood, plan.genuine);
}

await main();
