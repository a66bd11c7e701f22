import { randomInt } from 'node:crypto';

interface Stats {
  n: number;
  median: number;
  p95: number;
  min: number;
}

export function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
  const mid = sorted.length / 2;
  const median =
    sorted.length % 2
      ? (sorted[Math.floor(mid)] ?? NaN)
      : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
  return { n: sorted.length, median, p95: at(0.95), min: sorted[0] ?? NaN };
}

/**
 * The median of the per-round differences `a[i] − b[i]` and a 95% bootstrap interval for it.
 * Pairing by round cancels load that drifts over the run (other processes, GC, mail dispatch).
 */
export function pairedDifference(
  a: number[],
  b: number[],
): { median: number; low: number; high: number } {
  const diffs = a.map((value, i) => value - (b[i] ?? NaN));
  const medians: number[] = [];
  for (let r = 0; r < 1000; r += 1) {
    medians.push(
      stats(Array.from({ length: diffs.length }, () => diffs[randomInt(diffs.length)] ?? NaN))
        .median,
    );
  }
  const sorted = medians.sort((x, y) => x - y);
  return { median: stats(diffs).median, low: sorted[24] ?? NaN, high: sorted[974] ?? NaN };
}
