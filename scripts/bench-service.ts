/**
 * A small benchmark of the account service over real HTTP (not a test): how long sign-in and
 * Reset Your Password take, and whether the time differs between accounts that exist and
 * accounts that do not (it must not: R1, R4). Run with `npm run bench`; it needs no setup.
 * SQLite in a temporary folder always; PostgreSQL as well when DATABASE_URL names one.
 * Then sign-in throughput under concurrent clients beside raw argon2id on the same cores
 * (sign-in-throughput.ts). `-- --throughput-only` or `-- --timing-only` runs one part.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ARGON2_PARAMS } from '../service/domain/passwords.ts';
import { printRun } from './bench-service/report.ts';
import { ACCOUNTS, REQUESTS_PER_KIND } from './bench-service/rounds.ts';
import { postgresStore, sqliteStore, type StoreUnderTest } from './bench-service/stores.ts';
import { run } from './bench-service/timing-run.ts';
import { CLIENTS, measureThroughput, printThroughput } from './sign-in-throughput.ts';

/** The whole run, both stores, stays under ~2 minutes even on a busy machine. */
const BUDGET_MS = 100_000;

async function timing(targets: StoreUnderTest[], began: number): Promise<void> {
  const { memoryCost, timeCost, parallelism } = ARGON2_PARAMS;
  console.log(
    `Latchkey service benchmark: ${ACCOUNTS} accounts, ${REQUESTS_PER_KIND} rounds, one keep-alive HTTP client, Node ${process.version}`,
  );
  console.log(
    `Each round times one of every row below in random order; the baseline is one argon2id hash (m=${memoryCost}, t=${timeCost}, p=${parallelism}) in this process.`,
  );
  for (const [index, target] of targets.entries()) {
    // Each store gets an equal share of what is left of the time budget.
    const left = BUDGET_MS - (performance.now() - began);
    try {
      printRun(await run(target, performance.now() + left / (targets.length - index)));
    } catch (error) {
      console.log(
        `\n${target.name}: FAILED: ${error instanceof Error ? error.message : String(error)}`,
      );
      process.exitCode = 1;
    }
  }
}

/** Sign-in throughput beside raw argon2id, per store, each in a service process of its own. */
async function throughput(targets: StoreUnderTest[]): Promise<void> {
  const rounds = Number(process.env.BENCH_THROUGHPUT_ROUNDS ?? 6);
  const seconds = Number(process.env.BENCH_THROUGHPUT_SECONDS ?? 2);
  const { memoryCost, timeCost, parallelism } = ARGON2_PARAMS;
  console.log(
    `\nSign-in throughput: ${CLIENTS} concurrent keep-alive clients, right passwords, a new client address each (TRUST_PROXY=1), the service in its own process logging at ${process.env.LOG_LEVEL ?? 'info'}; baseline: argon2id verifications (m=${memoryCost}, t=${timeCost}, p=${parallelism}), ${CLIENTS} at a time, in this process. ${rounds} rounds of ${seconds} s per kind, in turns.`,
  );
  for (const target of targets) {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-bench-'));
    try {
      printThroughput(
        await measureThroughput(
          target.name.replace(/, schema \w+/, ''),
          { dataDir, ...target.location },
          rounds,
          seconds,
        ),
      );
    } catch (error) {
      console.log(
        `\n${target.name}: throughput FAILED: ${error instanceof Error ? error.message : String(error)}`,
      );
      process.exitCode = 1;
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
}

async function main(): Promise<void> {
  const began = performance.now();
  const targets = [sqliteStore()];
  const databaseUrl = process.env.DATABASE_URL;
  if (databaseUrl && /^postgres(ql)?:\/\//.test(databaseUrl))
    targets.push(postgresStore(databaseUrl));
  const only = process.argv.slice(2);
  if (!only.includes('--throughput-only')) await timing(targets, began);
  if (!only.includes('--timing-only')) await throughput(targets);
  console.log(`\nDone in ${((performance.now() - began) / 1000).toFixed(1)} s.`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
