/**
 * What single sign-on costs a product's user (issue 14), over real HTTP on loopback, no browser:
 *
 *   A  product sign-in: the authorization request (PKCE S256), Latchkey's Log In posted with the
 *      interaction, the redirect back with the code, the code redeemed for tokens (6 requests);
 *   B  bare sign-in: Latchkey's Log In read and posted, redirected home (2 requests).
 *
 * Each starts from a browser with no cookies (a cookie jar per sign-in, redirects followed by
 * hand). Batches of CONCURRENCY at once, A and B interleaved (A B A B…) so load from other
 * processes on a shared machine falls on both; medians and p95 per kind, tokens per second, and
 * the A/B ratio. SQLite in a temporary folder, or PostgreSQL when DATABASE_URL names one.
 *
 *   npm run bench:oidc
 */
import { performance } from 'node:perf_hooks';
import { ManualClock } from '../service/clock.ts';
import { loadConfig } from '../service/config.ts';
import { argon2Hasher, type Hasher } from '../service/domain/passwords.ts';
import { registerClient } from '../service/oidc/clients.ts';
import { startService, type RunningService } from '../service/server.ts';
import { seedAccount, seedOrganization } from '../test/support/accounts.ts';
import {
  bareSignIn,
  productSignIn,
  type ProductClient,
  type ProductSignInTimes,
} from './bench-oidc/flows.ts';
import { storeUnderTest, type StoreUnderTest } from './bench-oidc/stores.ts';

const ACCOUNTS = 200;
const CONCURRENCY = 4;
const PAIRS = 60;
const WARMUP_PAIRS = 3;
const PASSWORD = 'tulip orbit saddle lantern';
/** Log In allows 100 posts per address in 5 minutes: the manual clock moves past the window. */
const LOGIN_WINDOW_MS = 5 * 60_000 + 1;
const PAIRS_PER_WINDOW = Math.floor(90 / (2 * CONCURRENCY));
/** The measured pairs stop here on a busy machine (the figures say how many ran). */
const BUDGET_MS = 90_000;

const log = (message: string) => process.stderr.write(`${message}\n`);

interface Samples {
  product: ProductSignInTimes[];
  bare: number[];
  /** Wall milliseconds of every batch of each kind: throughput is sign-ins / their sum. */
  productWallMs: number;
  bareWallMs: number;
}

const username = (n: number) => `bench${String(n % ACCOUNTS).padStart(4, '0')}`;

/** Seeds the accounts with one real argon2id hash reused (seeding is not what is measured). */
async function seed(service: RunningService): Promise<void> {
  const hashed = argon2Hasher.hash(PASSWORD);
  const hasher: Hasher = { ...argon2Hasher, hash: () => hashed };
  const ctx = { ...service.ctx, hasher };
  const organizationId = await seedOrganization(ctx, 'Bench Regional Health');
  for (let n = 0; n < ACCOUNTS; n += 1)
    await seedAccount(ctx, { organizationId, username: username(n) });
}

/** A confidential client of EMResource; its callback is never called (the code is read off the redirect). */
async function register(service: RunningService): Promise<ProductClient> {
  const redirectUri = 'http://127.0.0.1:9/callback';
  const result = await registerClient(service.ctx.db, service.ctx.clock, {
    product: 'emresource',
    redirectUris: [redirectUri],
  });
  if (!result.ok || !result.clientSecret) throw new Error(JSON.stringify(result));
  return {
    issuer: service.url,
    clientId: result.clientId,
    clientSecret: result.clientSecret,
    redirectUri,
  };
}

/** Runs `one` CONCURRENCY times at once; answers the results and the batch's wall time. */
async function batch<T>(first: number, one: (account: number) => Promise<T>) {
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => one(first + i)));
  return { results, wallMs: performance.now() - started };
}

async function measure(
  service: RunningService,
  clock: ManualClock,
  client: ProductClient,
  pairs: number,
  deadline: number,
) {
  const samples: Samples = { product: [], bare: [], productWallMs: 0, bareWallMs: 0 };
  for (let pair = 0; pair < pairs && performance.now() < deadline; pair += 1) {
    if (pair % PAIRS_PER_WINDOW === 0) clock.advance(LOGIN_WINDOW_MS);
    const account = pair * CONCURRENCY;
    const a = await batch(account, (n) => productSignIn(client, username(n), PASSWORD));
    samples.product.push(...a.results);
    samples.productWallMs += a.wallMs;
    const b = await batch(account, (n) => bareSignIn(service.url, username(n), PASSWORD));
    samples.bare.push(...b.results);
    samples.bareWallMs += b.wallMs;
  }
  return samples;
}

async function run(target: StoreUnderTest): Promise<Samples> {
  const { store, dataDir } = await target.open();
  try {
    const clock = new ManualClock(Date.now());
    const config = loadConfig({
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'silent',
    });
    const service = await startService(config, { store, clock, mailPollMs: 50 });
    try {
      log(`${target.name}: seeding ${ACCOUNTS} accounts…`);
      await seed(service);
      const client = await register(service);
      log(`${target.name}: warming up, then ${PAIRS} pairs of batches of ${CONCURRENCY}…`);
      await measure(service, clock, client, WARMUP_PAIRS, Infinity);
      return await measure(service, clock, client, PAIRS, performance.now() + BUDGET_MS);
    } finally {
      await service.close();
    }
  } finally {
    await target.discard(store, dataDir);
  }
}

function percentile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  if (q === 0.5 && sorted.length % 2 === 0)
    return ((sorted[sorted.length / 2 - 1] ?? NaN) + (sorted[sorted.length / 2] ?? NaN)) / 2;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}

function report(name: string, s: Samples): void {
  const width = 52;
  const rule = '-'.repeat(width + 21);
  const row = (label: string, values: number[]) =>
    console.log(
      `${label.padEnd(width)}${String(values.length).padStart(5)}${percentile(values, 0.5).toFixed(1).padStart(8)}${percentile(values, 0.95).toFixed(1).padStart(8)}`,
    );
  const total = s.product.map((t) => t.total);
  console.log(`\n${name}`);
  console.log(rule);
  console.log(
    `${'ms (at concurrency 4)'.padEnd(width)}${'n'.padStart(5)}${'p50'.padStart(8)}${'p95'.padStart(8)}`,
  );
  console.log(rule);
  row('A product sign-in: authorization → tokens', total);
  row(
    '    authorization request → Log In page',
    s.product.map((t) => t.toLogIn),
  );
  row(
    '    Log In post with the interaction → code',
    s.product.map((t) => t.toCode),
  );
  row(
    '    code + PKCE verifier → tokens',
    s.product.map((t) => t.toToken),
  );
  row('B bare sign-in: Log In page → signed in', s.bare);
  console.log(rule);
  const tokensPerSecond = s.product.length / (s.productWallMs / 1000);
  const signInsPerSecond = s.bare.length / (s.bareWallMs / 1000);
  console.log(`${'A tokens per second'.padEnd(width)}${tokensPerSecond.toFixed(1).padStart(21)}`);
  console.log(
    `${'B sign-ins per second'.padEnd(width)}${signInsPerSecond.toFixed(1).padStart(21)}`,
  );
  const ratio = (q: number) => (percentile(total, q) / percentile(s.bare, q)).toFixed(2);
  console.log(
    `${'A / B, p50 (p95)'.padEnd(width)}${`${ratio(0.5)} (${ratio(0.95)})`.padStart(21)}`,
  );
  console.log(
    `${'A / B, throughput'.padEnd(width)}${(tokensPerSecond / signInsPerSecond).toFixed(2).padStart(21)}`,
  );
}

async function main(): Promise<void> {
  const began = performance.now();
  const target = storeUnderTest();
  console.log(
    `Latchkey single sign-on benchmark: ${ACCOUNTS} accounts, batches of ${CONCURRENCY} at once, A and B interleaved, Node ${process.version}`,
  );
  try {
    const samples = await run(target);
    const short =
      samples.bare.length < PAIRS * CONCURRENCY
        ? ' (stopped at the time budget: busy machine)'
        : '';
    report(`${target.name}: ${samples.bare.length / CONCURRENCY} pairs${short}`, samples);
  } catch (error) {
    console.log(
      `\n${target.name}: FAILED: ${error instanceof Error ? error.message : String(error)}`,
    );
    process.exitCode = 1;
  }
  console.log(`\nDone in ${((performance.now() - began) / 1000).toFixed(1)} s.`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
