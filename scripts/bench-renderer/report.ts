import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { LiveView } from './live-view.ts';
import type { Timing } from './search-timing.ts';

// The renderer benchmark's figures, as printed: p50/p95 of each part of a search, the open
// account's freshness and polls, and the renderer bundle's size.

export const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

/** The gzip size of every file of the built renderer. */
export function bundleSize(dir: string): { files: Array<[string, number, number]>; gzip: number } {
  const files: Array<[string, number, number]> = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else {
        const bytes = readFileSync(full);
        files.push([path.relative(dir, full), bytes.length, gzipSync(bytes, { level: 9 }).length]);
      }
    }
  };
  walk(dir);
  return { files, gzip: files.reduce((n, f) => n + f[2], 0) };
}

export interface Measured {
  /** Accounts in the store and which store. */
  accounts: number;
  store: string;
  runs: Timing[];
  /** The same searches straight to the service, sorted. */
  alone: Array<{ q: string; ms: number }>;
  /** A one-word change painted, sorted. */
  floor: number[];
  live: LiveView;
  rendererDir: string;
}

const ms = (n: number) => `${n.toFixed(1)} ms`;
const line = (label: string, list: number[]) =>
  `  ${label.padEnd(44)} p50 ${ms(pct(list, 50))}, p95 ${ms(pct(list, 95))}`;

/** The report's lines. Target: results painted at p95 ≤ 50 ms; a change shown within 2 s. */
export function report(m: Measured): string {
  const { runs, alone, floor, live } = m;
  const sorted = (pick: (t: Timing) => number) => runs.map(pick).sort((a, b) => a - b);
  const painted = sorted((t) => t.painted);
  const answered = sorted((t) => t.answered);
  const inMain = sorted((t) => t.main ?? NaN);
  const react = sorted((t) => t.committed - t.answered);
  const frame = sorted((t) => t.painted - t.committed);
  const size = bundleSize(m.rendererDir);
  const met = pct(painted, 95) <= 50 ? 'met' : 'NOT met';
  const rows = runs.reduce((n, t) => n + t.rows, 0) / runs.length;
  return [
    `renderer search, ${m.accounts} accounts on ${m.store}, ${painted.length} searches:`,
    `${line('query sent → results painted:', painted)}, max ${ms(painted.at(-1) ?? NaN)} (target p95 ≤ 50 ms: ${met})`,
    line('  answer back in the renderer (IPC + main):', answered),
    line('    of which inside main (router, client, HTTP):', inMain),
    line('  React render and commit:', react),
    line('  to the next frame, painted:', frame),
    line('    (floor: a one-word change, painted)', floor),
    line(
      'the same queries straight to the service (HTTP):',
      alone.map((t) => t.ms),
    ),
    `    slowest: ${alone
      .slice(-5)
      .reverse()
      .map((t) => `"${t.q}" ${ms(t.ms)}`)
      .join(', ')}`,
    `  rows in the page per search (virtual list): ${rows.toFixed(1)} on average`,
    `open account view, kept current by polling (${live.shown.length} changes in the store):`,
    `${line('change in the store → shown in the open view:', live.shown)}, max ${ms(live.shown.at(-1) ?? NaN)} (target ≤ 2 s)`,
    `  polls: ${live.perMinute.toFixed(1)} account GETs per minute per open view`,
    line('  one poll inside main (router, client, HTTP):', live.inMain),
    line('  one GET of the account view straight to the service:', live.alone),
    `renderer bundle: ${(size.gzip / 1024).toFixed(1)} kB gzip`,
    ...size.files.map(
      ([file, raw, gz]) =>
        `  ${file}: ${(raw / 1024).toFixed(1)} kB, ${(gz / 1024).toFixed(1)} kB gzip`,
    ),
  ].join('\n');
}
