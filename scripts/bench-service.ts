/**
 * A small benchmark of the account service over real HTTP (not a test): how long sign-in and
 * Reset Your Password take, and whether the time differs between accounts that exist and
 * accounts that do not (it must not: R1, R4). Run with `npm run bench`; it needs no setup.
 * SQLite in a temporary folder always; PostgreSQL as well when DATABASE_URL names one.
 * Then sign-in throughput under concurrent clients beside raw argon2id on the same cores
 * (sign-in-throughput.ts). `-- --throughput-only` or `-- --timing-only` runs one part.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { ManualClock } from '../service/clock.ts';
import { loadConfig } from '../service/config.ts';
import { ARGON2_PARAMS, argon2Hasher, type Hasher } from '../service/domain/passwords.ts';
import { startService, type RunningService } from '../service/server.ts';
import { openStore, type Store } from '../service/store/database.ts';
import { seedAccount, seedOrganization } from '../test/support/accounts.ts';
import { CLIENTS, measureThroughput, printThroughput } from './sign-in-throughput.ts';

const ACCOUNTS = 200;
const REQUESTS_PER_KIND = 200;
const WARMUP_ROUNDS = 20;
/** Rounds between clock jumps: 3 sign-ins and 2 reset requests a round stay under the per-IP limits. */
const ROUNDS_PER_WINDOW = 8;
/** Longer than both per-IP windows (sign-in 5 min, Reset Your Password 15 min). */
const WINDOW_JUMP_MS = 15 * 60_000 + 1;
const PASSWORD = 'tulip orbit saddle lantern';
const WRONG_PASSWORD = 'wrong horse battery staple';
/** The whole run, both stores, stays under ~2 minutes even on a busy machine. */
const BUDGET_MS = 100_000;

type Kind =
  'hash' | 'signin-ok' | 'signin-wrong' | 'signin-unknown' | 'forgot-known' | 'forgot-unknown';
type HttpKind = Exclude<Kind, 'hash'>;

const KINDS: Array<{ kind: Kind; label: string }> = [
  { kind: 'hash', label: 'baseline: one argon2id hash, in process' },
  { kind: 'signin-ok', label: 'POST /login, right password' },
  { kind: 'signin-wrong', label: 'POST /login, wrong password, known account' },
  { kind: 'signin-unknown', label: 'POST /login, unknown account' },
  { kind: 'forgot-known', label: 'POST /forgot-password, known account' },
  { kind: 'forgot-unknown', label: 'POST /forgot-password, unknown account' },
];

const log = (message: string) => process.stderr.write(`${message}\n`);

interface Reply {
  status: number;
  location: string | undefined;
  setCookie: string[];
  body?: string;
}

/**
 * One browser-like client on one keep-alive connection, holding only its CSRF cookie (the
 * secret) and the form token Log In gave it (bound to no session, as it sends none).
 */
class KeepAliveClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  private csrfCookie = '';
  private csrfToken = '';

  constructor(private readonly base: URL) {}

  /** Fetches Log In once for a fresh CSRF cookie and form token, as a browser's first visit does. */
  async start(): Promise<void> {
    const reply = await this.send('GET', '/login', undefined, true);
    const cookie = reply.setCookie.find((c) => c.startsWith('lk_csrf='));
    const token = /name="_csrf" value="([^"]+)"/.exec(reply.body ?? '')?.[1];
    if (!cookie || !token) throw new Error('GET /login set no lk_csrf cookie or form token');
    this.csrfCookie = cookie.split(';')[0] ?? '';
    this.csrfToken = token;
  }

  /** Posts a form with the CSRF field; answers the reply and the milliseconds it took. */
  async post(
    pathname: string,
    form: Record<string, string>,
  ): Promise<{ reply: Reply; ms: number }> {
    const body = new URLSearchParams({ ...form, _csrf: this.csrfToken }).toString();
    const started = performance.now();
    const reply = await this.send('POST', pathname, body);
    return { reply, ms: performance.now() - started };
  }

  close(): void {
    this.agent.destroy();
  }

  private send(method: string, pathname: string, body?: string, keepBody = false): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = {};
      if (this.csrfCookie) headers.cookie = this.csrfCookie;
      if (body !== undefined) {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        headers['content-length'] = String(Buffer.byteLength(body));
      }
      const request = http.request(
        {
          host: this.base.hostname,
          port: this.base.port,
          path: pathname,
          method,
          headers,
          agent: this.agent,
        },
        (response) => {
          // The whole body is read before the clock stops; kept only when asked for.
          let text = '';
          if (keepBody) response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
          else response.resume();
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              location: response.headers.location,
              setCookie: response.headers['set-cookie'] ?? [],
              ...(keepBody ? { body: text } : {}),
            }),
          );
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  }
}

interface Stats {
  n: number;
  median: number;
  p95: number;
  min: number;
}

function stats(samples: number[]): Stats {
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

/** What each kind sends, and the reply that proves the service did the full work for it. */
function requestFor(
  kind: HttpKind,
  i: number,
): { pathname: string; form: Record<string, string>; expect: (r: Reply) => boolean } {
  const known = `bench${String(i).padStart(4, '0')}`;
  const unknown = `ghost${String(i).padStart(4, '0')}`;
  const signedIn = (r: Reply) => r.status === 303 && r.location === '/';
  const refused = (r: Reply) => r.status === 401;
  const sent = (r: Reply) => r.status === 303 && r.location === '/forgot-password/sent';
  switch (kind) {
    case 'signin-ok':
      return {
        pathname: '/login',
        form: { identifier: known, password: PASSWORD },
        expect: signedIn,
      };
    case 'signin-wrong':
      return {
        pathname: '/login',
        form: { identifier: known, password: WRONG_PASSWORD },
        expect: refused,
      };
    case 'signin-unknown':
      return {
        pathname: '/login',
        form: { identifier: unknown, password: WRONG_PASSWORD },
        expect: refused,
      };
    case 'forgot-known':
      return { pathname: '/forgot-password', form: { identifier: known }, expect: sent };
    case 'forgot-unknown':
      return { pathname: '/forgot-password', form: { identifier: unknown }, expect: sent };
  }
}

/** A shuffled copy (node:crypto, so no kind always follows another). */
function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = randomInt(i + 1);
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

/**
 * Runs `rounds` rounds of one request of every kind, in a fresh random order each round, so
 * drift (cache, mail dispatch, GC) falls on all kinds alike. Account i serves round i: one
 * wrong password per account keeps far from the lockout, one reset email per account far from
 * the hourly cap; the manual clock jumps past the per-IP windows every few rounds.
 */
async function measure(
  client: KeepAliveClient,
  clock: ManualClock,
  rounds: number,
  firstAccount: number,
  deadline: number,
) {
  const samples = new Map<Kind, number[]>(KINDS.map(({ kind }) => [kind, []]));
  for (let round = 0; round < rounds && performance.now() < deadline; round += 1) {
    if (round % ROUNDS_PER_WINDOW === 0) clock.advance(WINDOW_JUMP_MS);
    for (const { kind } of shuffled(KINDS))
      samples.get(kind)?.push(await sample(client, kind, (firstAccount + round) % ACCOUNTS));
  }
  return samples;
}

/** One timed request of `kind` (or one timed hash, measured amid the requests so load is shared). */
async function sample(client: KeepAliveClient, kind: Kind, account: number): Promise<number> {
  if (kind === 'hash') {
    const started = performance.now();
    await argon2Hasher.hash(PASSWORD);
    return performance.now() - started;
  }
  const { pathname, form, expect } = requestFor(kind, account);
  const { reply, ms } = await client.post(pathname, form);
  if (!expect(reply))
    throw new Error(`${kind}: unexpected reply ${reply.status} ${reply.location ?? ''}`);
  return ms;
}

interface StoreUnderTest {
  name: string;
  /** Where the throughput part's service process keeps its store (a schema of its own on PostgreSQL). */
  location: { databaseUrl?: string };
  /** A fresh, empty store, and the folder for the service's DATA_DIR (mail goes there). */
  open(): Promise<{ store: Store; dataDir: string }>;
  /** Closes the store and removes everything `open` created. */
  discard(store: Store, dataDir: string): Promise<void>;
}

function sqliteStore(): StoreUnderTest {
  return {
    name: 'SQLite (temporary file)',
    location: {},
    async open() {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-bench-'));
      return { store: await openStore(undefined, dataDir), dataDir };
    },
    async discard(store, dataDir) {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function postgresStore(databaseUrl: string): StoreUnderTest {
  const schema = `bench_${randomBytes(6).toString('hex')}`;
  const url = new URL(databaseUrl);
  url.searchParams.set('schema', schema);
  return {
    name: `PostgreSQL (${url.host}${url.pathname}, schema ${schema})`,
    location: { databaseUrl },
    async open() {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-bench-'));
      return { store: await openStore(url.toString(), dataDir), dataDir };
    },
    async discard(store, dataDir) {
      try {
        await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(store.db);
      } finally {
        await store.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

interface RunResult {
  name: string;
  /** Milliseconds per kind, index i = round i (so kinds pair up by round). */
  samples: Map<Kind, number[]>;
  seconds: number;
}

/**
 * Seeds the accounts. Every account has the same password and answer, so each is hashed once
 * (real argon2id, real salt) and the PHC string reused: seeding is not what is measured.
 */
async function seed(service: RunningService): Promise<void> {
  const memo = new Map<string, Promise<string>>();
  const hasher: Hasher = {
    ...argon2Hasher,
    hash(secret) {
      const known = memo.get(secret) ?? argon2Hasher.hash(secret);
      memo.set(secret, known);
      return known;
    },
  };
  const ctx = { ...service.ctx, hasher };
  const organizationId = await seedOrganization(ctx, 'Bench Regional Health');
  for (let n = 0; n < ACCOUNTS; n += 1) {
    await seedAccount(ctx, { organizationId, username: `bench${String(n).padStart(4, '0')}` });
  }
}

async function run(target: StoreUnderTest, deadline: number): Promise<RunResult> {
  const started = performance.now();
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
    const client = new KeepAliveClient(new URL(service.url));
    try {
      log(`${target.name}: seeding ${ACCOUNTS} accounts…`);
      await seed(service);
      await client.start();
      log(`${target.name}: warming up, then ${REQUESTS_PER_KIND} rounds of every kind…`);
      await measure(client, clock, WARMUP_ROUNDS, ACCOUNTS - WARMUP_ROUNDS, Infinity);
      const samples = await measure(client, clock, REQUESTS_PER_KIND, 0, deadline);
      await expectEveryResetIssued(service, (samples.get('hash')?.length ?? 0) + WARMUP_ROUNDS);
      return { name: target.name, samples, seconds: (performance.now() - started) / 1000 };
    } finally {
      client.close();
      await service.close();
    }
  } finally {
    await target.discard(store, dataDir);
  }
}

/** Proof that every known-account reset did the full work (none was dropped by a rate limit). */
async function expectEveryResetIssued(service: RunningService, expected: number): Promise<void> {
  // The pages only queue the requests (R5); the dispatcher does the work.
  await service.dispatcher.drain();
  const issued = await service.ctx.db
    .selectFrom('outbox')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('kind', '=', 'password_reset')
    .executeTakeFirstOrThrow();
  if (Number(issued.n) !== expected) {
    throw new Error(`expected ${expected} reset emails in the outbox, found ${issued.n}`);
  }
}

/**
 * The median of the per-round differences `a[i] − b[i]` and a 95% bootstrap interval for it.
 * Pairing by round cancels load that drifts over the run (other processes, GC, mail dispatch).
 */
function pairedDifference(a: number[], b: number[]): { median: number; low: number; high: number } {
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

const fixed = (value: number, width = 8) => value.toFixed(2).padStart(width);

/** ≈1.0 means an observer cannot tell from the time whether the account exists. */
function verdict(ratio: number, low: number, high: number): string {
  const near = Math.abs(ratio - 1) <= 0.1 ? '≈1.0 (within ±10%)' : 'NOT ≈1.0 (more than ±10%)';
  const detectable =
    low > 0 || high < 0 ? '; the difference is measurable' : '; no measurable difference';
  return near + detectable;
}

function printRun(result: RunResult): void {
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
