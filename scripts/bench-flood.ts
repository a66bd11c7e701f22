/**
 * Real resets under a flood (issue 18), a benchmark, not a test: 10,000 Reset Your Password
 * requests for identifiers no account has, from many client addresses, while 20 people ask for a
 * real reset. It prints how long each real reset email took from the request to the SMTP server
 * (p50/p95/max), against the same 20 resets asked with nothing else queued (the baseline, same
 * run), and how long the whole backlog took to work off — with one and two service processes on
 * one store. SQLite always; PostgreSQL as well when DATABASE_URL names one.
 *
 * Options: --flood N (10000), --genuine N (20), --processes 1,2, --store sqlite,postgres.
 */
import { parseArgs } from 'node:util';
import { startSmtp } from '../test/support/smtp.ts';
import {
  postgresStore,
  runFlood,
  sqliteStore,
  type FloodResult,
  type StoreUnderTest,
} from './bench-flood/flood-run.ts';

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

const seconds = (ms: number, width = 7) =>
  (Number.isNaN(ms) ? '—' : (ms / 1000).toFixed(2)).padStart(width);

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

function print(rows: Row[], flood: number, genuine: number): void {
  const header = [
    'store'.padEnd(11),
    'procs',
    'flood sent'.padStart(11),
    'req/s'.padStart(6),
    'peak queued'.padStart(12),
    'baseline p50'.padStart(13),
    'reset p50'.padStart(10),
    'p95'.padStart(7),
    'max'.padStart(7),
    'p50/baseline'.padStart(13),
    'backlog gone'.padStart(13),
    'lost'.padStart(5),
  ].join(' ');
  console.log(
    `\nA flood of ${flood} Reset Your Password requests for unknown identifiers, ${genuine} real` +
      ` resets among them;\nseconds from each real request to its email at the SMTP server` +
      ` ("backlog gone": from the flood's start until nothing waited).`,
  );
  console.log(header);
  console.log('-'.repeat(header.length));
  for (const { store, processes, result: r } of rows) {
    const p50 = quantile(r.genuine, 0.5);
    const base = quantile(r.quiet, 0.5);
    console.log(
      [
        store.padEnd(11),
        String(processes).padStart(5),
        seconds(r.floodMs, 11),
        String(Math.round(flood / (r.floodMs / 1000))).padStart(6),
        String(r.peakQueued).padStart(12),
        seconds(base, 13),
        seconds(p50, 10),
        seconds(quantile(r.genuine, 0.95)),
        seconds(quantile(r.genuine, 1)),
        (p50 / base).toFixed(1).padStart(13),
        seconds(r.drainedMs, 13),
        String(r.missing + r.otherReplies).padStart(5),
      ].join(' '),
    );
  }
  console.log(
    '"lost": real resets whose email never came, plus replies other than the information page.',
  );
  for (const store of new Set(rows.map((r) => r.store))) {
    const one = rows.find((r) => r.store === store && r.processes === 1)?.result.drainedMs;
    const two = rows.find((r) => r.store === store && r.processes === 2)?.result.drainedMs;
    if (one !== undefined && two !== undefined)
      console.log(`${store}: backlog gone with two processes / one: ${(two / one).toFixed(2)}`);
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
