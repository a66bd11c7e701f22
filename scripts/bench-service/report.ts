import { KINDS, REQUESTS_PER_KIND, type Kind } from './rounds.ts';
import { pairedDifference, stats } from './stats.ts';
import type { RunResult } from './timing-run.ts';

const fixed = (value: number, width = 8) => value.toFixed(2).padStart(width);

/** ≈1.0 means an observer cannot tell from the time whether the account exists. */
function verdict(ratio: number, low: number, high: number): string {
  const near = Math.abs(ratio - 1) <= 0.1 ? '≈1.0 (within ±10%)' : 'NOT ≈1.0 (more than ±10%)';
  const detectable =
    low > 0 || high < 0 ? '; the difference is measurable' : '; no measurable difference';
  return near + detectable;
}

export function printRun(result: RunResult): void {
  const of = (kind: Kind): number[] => result.samples.get(kind) ?? [];
  const median = (kind: Kind) => stats(of(kind)).median;
  const width = 44;
  const rule = '-'.repeat(width + 29);
  const rounds = of('hash').length;
  const short =
    rounds < REQUESTS_PER_KIND
      ? ` — stopped after ${rounds} of ${REQUESTS_PER_KIND} rounds at the time budget (busy machine)`
      : '';
  console.log(`\n${result.name}: ${result.seconds.toFixed(1)} s${short}`);
  console.log(rule);
  console.log(
    `${'ms'.padEnd(width)}${'n'.padStart(5)}${'median'.padStart(8)}${'p95'.padStart(8)}${'min'.padStart(8)}`,
  );
  console.log(rule);
  for (const { kind, label } of KINDS) {
    const s = stats(of(kind));
    console.log(
      `${label.padEnd(width)}${String(s.n).padStart(5)}${fixed(s.median)}${fixed(s.p95)}${fixed(s.min)}`,
    );
    if (kind === 'hash') console.log(rule);
  }
  console.log(rule);
  const pairs: Array<[string, Kind, Kind]> = [
    ['sign-in: unknown / known (wrong password)', 'signin-unknown', 'signin-wrong'],
    ['forgot-password: unknown / known', 'forgot-unknown', 'forgot-known'],
  ];
  for (const [label, unknown, known] of pairs) {
    const ratio = median(unknown) / median(known);
    const d = pairedDifference(of(unknown), of(known));
    console.log(`${label.padEnd(width)} ${ratio.toFixed(2)}   ${verdict(ratio, d.low, d.high)}`);
    console.log(
      `${'  paired difference, ms (95% interval)'.padEnd(width)} ${d.median.toFixed(2)} (${d.low.toFixed(2)} … ${d.high.toFixed(2)})`,
    );
  }
  const hash = median('hash');
  const overhead = (kind: Kind) =>
    `${(median(kind) / hash).toFixed(2)} hashes (+${(median(kind) - hash).toFixed(1)} ms)`;
  console.log(
    `${'sign-in = one hash + overhead: right pw'.padEnd(width)} ${overhead('signin-ok')}`,
  );
  console.log(
    `${'                               wrong pw'.padEnd(width)} ${overhead('signin-wrong')}`,
  );
  console.log(
    `${'                               unknown'.padEnd(width)} ${overhead('signin-unknown')}`,
  );
}
