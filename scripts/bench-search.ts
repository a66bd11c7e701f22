/**
 * Account search benchmark against the LDAP peer (../shared/bench/ldap-peer, issue 3).
 *
 *   npx tsx scripts/bench-search.ts [--n 1000000] [--queries 500] [--seed 42] [--orgs 2000]
 *     [--store sqlite|postgres|both] [--peer] [--peer-n N] [--rounds R]
 *     [--modes direct,route,minimal] [--variant service|cached|both]
 *     [--cache DIR] [--json FILE] [--measure-import K]
 *
 * Loads the N accounts of the peer's gen-users.mjs (same seed and organizations: the same
 * people) into SQLite, and into PostgreSQL when DATABASE_URL is set, then runs the peer's four
 * query kinds (500 each, 50 results; drawn exactly as its bench-search.mjs draws them) with one
 * client, a warm-up pass then a measured pass per kind, as the peer does:
 *   direct   searchAccounts() in process;
 *   route    the service's own GET /api/v1/accounts (buildApp, bearer token of a
 *            super-administrator) over one keep-alive HTTP connection on loopback;
 *   minimal  a bare Fastify route calling searchAccounts, same client (no auth: its cost shows).
 * Each on the store as openStore() opens it and with prepared statements kept (--variant).
 * Loaded stores are cached (a SQLite file under --cache, a PostgreSQL schema) and reused while
 * the generator, the accounts schema, the search index SQL and N are unchanged.
 * --peer loads slapd with the peer's run-slapd.sh at --peer-n (default N; reused while its
 * load matches) and runs its bench-search.mjs before ours in each of --rounds rounds, so both
 * are measured in the same run; p95 ratios are printed when both ran at the same N.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import SQLite from 'better-sqlite3';
import Fastify from 'fastify';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import {
  AccountSearchQuerySchema,
  type AccountSearchResult,
} from '../common/api/account-search.ts';
import { buildApp } from '../service/app.ts';
import { systemClock } from '../service/clock.ts';
import { loadConfig } from '../service/config.ts';
import type { ServiceContext } from '../service/context.ts';
import { issueTokens } from '../service/domain/admin/api-tokens.ts';
import { argon2Hasher } from '../service/domain/passwords.ts';
import { searchAccounts } from '../service/domain/account-search.ts';
import { emailKey, usernameKey } from '../service/domain/accounts.ts';
import { defaultPolicy } from '../service/domain/policy.ts';
import { newId } from '../service/ids.ts';
import { openStore, type Store } from '../service/store/database.ts';
import { migrateToLatest } from '../service/store/migrate.ts';
import {
  createSearchTriggers,
  dropSearchTriggers,
  FOLD_PAIRS,
  gramsSelect,
  rebuildSearchIndex,
} from '../service/store/migrations/002-search-indexes.ts';
import type { Database } from '../service/store/schema.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const PEER_DIR = path.resolve(ROOT, '../shared/bench/ldap-peer');
const KINDS = ['uid-prefix', 'mail-prefix', 'cn-substring', 'box-or-prefix'] as const;
type Kind = (typeof KINDS)[number];
const RESULTS = 50;
/** Bump when the loader writes different rows. */
const LOADER_VERSION = 1;

const log = (message: string) => process.stderr.write(`[bench-search] ${message}\n`);

// ---------------------------------------------------------------------------------------------
// Arguments.

interface Options {
  n: number;
  queries: number;
  seed: string;
  orgs: number;
  stores: Array<'sqlite' | 'postgres'>;
  peer: boolean;
  peerN: number | null;
  cache: string;
  json: string | null;
  measureImport: number;
  /** 'service': the store as openStore opens it; 'cached': with prepared statements kept. */
  variants: Array<'service' | 'cached'>;
  /** direct: searchAccounts; route: the service's GET /api/v1/accounts (bearer); minimal: a bare route. */
  modes: Array<'direct' | 'route' | 'minimal'>;
  /** Rounds of (peer, ours), so drift on a shared machine shows. */
  rounds: number;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    n: 1_000_000,
    queries: 500,
    seed: '42',
    orgs: 2000,
    stores: process.env.DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'],
    peer: false,
    peerN: null,
    cache: path.join(tmpdir(), 'latchkey-bench-search'),
    json: null,
    measureImport: 0,
    variants: ['service', 'cached'],
    modes: ['direct', 'route', 'minimal'],
    rounds: 1,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    const value = () => {
      const v = argv[i + 1];
      if (v === undefined) throw new Error(`${a} needs a value`);
      i += 1;
      return v;
    };
    if (a === '--n') o.n = Number(value());
    else if (a === '--queries') o.queries = Number(value());
    else if (a === '--seed') o.seed = value();
    else if (a === '--orgs') o.orgs = Number(value());
    else if (a === '--store') {
      const v = value();
      o.stores =
        v === 'both' ? ['sqlite', 'postgres'] : v === 'postgres' ? ['postgres'] : ['sqlite'];
    } else if (a === '--peer') o.peer = true;
    else if (a === '--peer-n') o.peerN = Number(value());
    else if (a === '--no-http') o.modes = o.modes.filter((m) => m === 'direct');
    else if (a === '--no-direct') o.modes = o.modes.filter((m) => m !== 'direct');
    else if (a === '--modes') {
      o.modes = value()
        .split(',')
        .filter((m): m is 'direct' | 'route' | 'minimal' =>
          ['direct', 'route', 'minimal'].includes(m),
        );
    } else if (a === '--cache') o.cache = path.resolve(value());
    else if (a === '--json') o.json = path.resolve(value());
    else if (a === '--measure-import') o.measureImport = Number(value());
    else if (a === '--rounds') o.rounds = Number(value());
    else if (a === '--variant') {
      const v = value();
      o.variants = v === 'both' ? ['service', 'cached'] : v === 'cached' ? ['cached'] : ['service'];
    } else throw new Error(`unknown argument ${a}`);
  }
  for (const k of ['n', 'queries', 'orgs', 'rounds'] as const) {
    if (!Number.isInteger(o[k]) || o[k] < 1) throw new Error(`--${k} must be a positive integer`);
  }
  if (o.stores.includes('postgres') && !process.env.DATABASE_URL?.startsWith('postgres')) {
    throw new Error('--store postgres needs DATABASE_URL=postgres://…');
  }
  return o;
}

// ---------------------------------------------------------------------------------------------
// The peer's generator and its query drawing (a port of bench-search.mjs buildQueries).

interface GeneratedUser {
  username: string;
  email: string;
  name: string;
  phone: string;
  organization: string;
  products: string[];
  shared: boolean;
  holders: Array<{ name: string; email: string }>;
}

interface Rng {
  float(): number;
  int(n: number): number;
  range(lo: number, hi: number): number;
  pick<T>(items: T[]): T;
}

interface Generator {
  generateUsers(o: { n: number; seed: string; orgs: number }): Iterable<GeneratedUser>;
  makeRng(seed: string): Rng;
  CSV_HEADER: string;
  toCsvRow(u: GeneratedUser): string;
}

async function loadGenerator(): Promise<Generator> {
  const file = path.join(PEER_DIR, 'gen-users.mjs');
  return (await import(pathToFileURL(file).href)) as Generator;
}

interface Query {
  kind: Kind;
  term: string;
}

function buildQueries(gen: Generator, o: Options, n: number): Record<Kind, Query[]> {
  const pickers = KINDS.map((kind) => {
    const rng = gen.makeRng(`${o.seed}:queries:${kind}`);
    const rows = Array.from({ length: o.queries * 2 }, () => rng.int(n));
    return { kind, rng, rows };
  });
  const wanted = new Map<number, GeneratedUser | null>();
  for (const p of pickers) for (const r of p.rows) wanted.set(r, null);
  let i = 0;
  for (const u of gen.generateUsers({ n, seed: o.seed, orgs: o.orgs })) {
    if (wanted.has(i)) wanted.set(i, u);
    i += 1;
  }
  const out = {} as Record<Kind, Query[]>;
  for (const { kind, rng, rows } of pickers) {
    const list: Query[] = [];
    for (const r of rows) {
      const u = wanted.get(r);
      if (!u) throw new Error(`row ${r} was not generated`);
      const term = makeTerm(kind, u, rng);
      if (term !== null) list.push({ kind, term });
    }
    out[kind] = list.slice(0, o.queries);
    if (out[kind].length < o.queries)
      throw new Error(`could not draw ${o.queries} ${kind} queries`);
  }
  return out;
}

function makeTerm(kind: Kind, u: GeneratedUser, rng: Rng): string | null {
  const prefix = (s: string, lo: number, hi: number) =>
    s.slice(0, Math.min(s.length, rng.range(lo, hi))).toLowerCase();
  switch (kind) {
    case 'uid-prefix':
      return prefix(u.username, 3, 6);
    case 'mail-prefix':
      return prefix(u.email, 3, 6);
    case 'cn-substring': {
      const words = u.name.split(' ').filter((w) => /^[A-Za-z']+$/.test(w) && w.length >= 5);
      if (words.length === 0) return null;
      const word = rng.pick(words);
      const len = Math.min(rng.range(3, 5), word.length - 2);
      const start = 1 + rng.int(word.length - len - 1);
      return word.slice(start, start + len).toLowerCase();
    }
    case 'box-or-prefix': {
      const field = rng.float();
      return field < 0.3
        ? prefix(u.username, 3, 6)
        : field < 0.5
          ? prefix(u.email, 3, 6)
          : field < 0.85
            ? prefix(u.name, 3, 6)
            : prefix(u.phone, 4, 9);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Loading: the generator's accounts, organizations, products and holders, without audit events.

const PRODUCT_NAMES: Record<string, string> = {
  ehr: 'EHR',
  pacs: 'PACS',
  lab: 'Lab',
  pharmacy: 'Pharmacy',
  rostering: 'Rostering',
  payroll: 'Payroll',
  mail: 'Mail',
  intranet: 'Intranet',
};

/**
 * What a cached load depends on: the generator, the accounts schema (001, without its layout)
 * and the search index as SQL (what 002 generates, not how its file is formatted), N, seed.
 */
function cacheKey(o: Options): string {
  const hash = createHash('sha256');
  hash.update(readFileSync(path.join(PEER_DIR, 'gen-users.mjs')));
  const initial = readFileSync(path.join(ROOT, 'service/store/migrations/001-initial.ts'), 'utf8');
  hash.update(initial.replace(/\s+/g, ''));
  for (const dialect of ['sqlite', 'postgres'] as const) hash.update(gramsSelect(dialect, 'rows'));
  hash.update(JSON.stringify(FOLD_PAIRS));
  hash.update(`${LOADER_VERSION}:${o.n}:${o.seed}:${o.orgs}`);
  return hash.digest('hex').slice(0, 12);
}

interface Loaded {
  store: Store;
  name: string;
  /** Where the store is: a SQLite file, or a PostgreSQL URL with ?schema=. */
  location: string;
  loadSeconds: number | null;
  reused: boolean;
  sizes: Array<[string, number]>;
}

async function isComplete(db: Kysely<Database>, key: string): Promise<boolean> {
  try {
    const r = await sql<{ v: string }>`select v from bench_meta where k = 'complete'`.execute(db);
    return r.rows[0]?.v === key;
  } catch {
    return false;
  }
}

async function load(store: Store, gen: Generator, o: Options, key: string): Promise<void> {
  const db = store.db;
  const started = performance.now();
  await dropSearchTriggers(db as Kysely<unknown>, store.dialect);
  if (store.dialect === 'sqlite') {
    await sql`pragma synchronous = off`.execute(db);
    await sql`pragma cache_size = -2000000`.execute(db);
  }
  const now = Date.now();
  const productIds = new Map<string, string>();
  for (const [code, name] of Object.entries(PRODUCT_NAMES)) {
    const id = newId();
    productIds.set(code, id);
    await db
      .insertInto('products')
      .values({ id, code, name, url: `https://${code}.example/` })
      .execute();
  }
  const orgIds = new Map<string, string>();
  const policy = JSON.stringify(defaultPolicy());
  let accounts: Array<Parameters<typeof accountRow>[0]> = [];
  let done = 0;
  const flush = async () => {
    if (accounts.length === 0) return;
    const batch = accounts;
    accounts = [];
    await db.transaction().execute(async (trx) => {
      const newOrgs = [...new Set(batch.map((u) => u.organization))].filter((n) => !orgIds.has(n));
      for (const name of newOrgs) orgIds.set(name, newId());
      for (let i = 0; i < newOrgs.length; i += 500) {
        await trx
          .insertInto('organizations')
          .values(
            newOrgs
              .slice(i, i + 500)
              .map((name) => ({ id: orgIds.get(name) ?? '', name, policy, created_at: now })),
          )
          .execute();
      }
      const rows = batch.map((u) => accountRow(u, orgIds.get(u.organization) ?? '', now));
      for (let i = 0; i < rows.length; i += 500) {
        await trx
          .insertInto('accounts')
          .values(rows.slice(i, i + 500).map((r) => r.account))
          .execute();
      }
      const links = rows.flatMap((r, i) =>
        (batch[i]?.products ?? []).map((code) => ({
          account_id: r.account.id,
          product_id: productIds.get(code) ?? '',
        })),
      );
      for (let i = 0; i < links.length; i += 2000) {
        await trx
          .insertInto('account_products')
          .values(links.slice(i, i + 2000))
          .execute();
      }
      const holders = rows.flatMap((r, i) =>
        (batch[i]?.holders ?? []).map((h) => ({
          id: newId(),
          account_id: r.account.id,
          name: h.name,
          email: h.email,
          phone: '',
          is_owner: 0,
        })),
      );
      for (let i = 0; i < holders.length; i += 1000) {
        await trx
          .insertInto('holders')
          .values(holders.slice(i, i + 1000))
          .execute();
      }
    });
    done += batch.length;
    if (done % 100_000 === 0)
      log(`  ${done} accounts (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  };
  for (const u of gen.generateUsers({ n: o.n, seed: o.seed, orgs: o.orgs })) {
    accounts.push(u);
    if (accounts.length >= 20_000) await flush();
  }
  await flush();
  const accountsSeconds = (performance.now() - started) / 1000;
  log(`  accounts written in ${accountsSeconds.toFixed(0)} s; building the search index…`);
  const t1 = performance.now();
  if (store.dialect === 'postgres') {
    // One connection, so the session settings hold; the primary key is built after the rows.
    await db.connection().execute(async (conn) => {
      await sql`set maintenance_work_mem = '1GB'`.execute(conn);
      await sql`set work_mem = '256MB'`.execute(conn);
      await sql`set jit = off`.execute(conn);
      await sql`alter table search_grams drop constraint search_grams_pk`.execute(conn);
      await rebuildSearchIndex(conn as Kysely<unknown>, store.dialect);
      await sql`alter table search_grams add constraint search_grams_pk primary key (g, k) include (w)`.execute(
        conn,
      );
      await sql`vacuum analyze`.execute(conn);
    });
  } else {
    await rebuildSearchIndex(db as Kysely<unknown>, store.dialect);
    await sql`analyze`.execute(db);
  }
  await createSearchTriggers(db as Kysely<unknown>, store.dialect);
  log(`  search index built in ${((performance.now() - t1) / 1000).toFixed(0)} s`);
  await sql`create table if not exists bench_meta (k text primary key, v text not null)`.execute(
    db,
  );
  const indexSeconds = (performance.now() - t1) / 1000;
  await sql`insert into bench_meta (k, v) values ('complete', ${key}), ('load_seconds', ${String(((performance.now() - started) / 1000).toFixed(1))}), ('accounts_seconds', ${accountsSeconds.toFixed(1)}), ('index_seconds', ${indexSeconds.toFixed(1)})`.execute(
    db,
  );
  if (store.dialect === 'sqlite') {
    await sql`pragma synchronous = normal`.execute(db);
    await sql`pragma wal_checkpoint(truncate)`.execute(db);
  }
}

function accountRow(u: GeneratedUser, organizationId: string, now: number) {
  return {
    account: {
      id: newId(),
      organization_id: organizationId,
      username: u.username,
      username_key: usernameKey(u.username),
      email: u.email,
      email_key: emailKey(u.email),
      name: u.name,
      phone: u.phone,
      password_hash: null,
      must_change_password: 0,
      temp_password_expires_at: null,
      security_question: null,
      security_answer_hash: null,
      failed_count: 0,
      locked_until: null,
      locked_at: null,
      disabled_at: null,
      shared: u.shared ? 1 : 0,
      last_sign_in_at: null,
      password_changed_at: null,
      password_changed_how: null,
      password_changed_by: null,
      version: 1,
      created_at: now,
    },
  };
}

async function openSqlite(gen: Generator, o: Options): Promise<Loaded> {
  const key = cacheKey(o);
  mkdirSync(o.cache, { recursive: true });
  const file = path.join(o.cache, `search-n${o.n}-seed${o.seed}-orgs${o.orgs}-${key}.sqlite`);
  let store = await openStore(`sqlite:${file}`, o.cache);
  const reused = await isComplete(store.db, key);
  if (!reused) {
    await store.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
    log(`SQLite: loading ${o.n} accounts into ${file}…`);
    store = await openStore(`sqlite:${file}`, o.cache);
    await migrateToLatest(store);
    await load(store, gen, o, key);
  } else {
    await migrateToLatest(store);
    log(`SQLite: reusing ${file}`);
  }
  const loadSeconds = await storedLoadSeconds(store.db);
  const sizes: Array<[string, number]> = [['file', statSync(file).size]];
  const tables = await sql<{ name: string; bytes: number }>`
    select name, sum(pgsize) as bytes from dbstat group by name order by bytes desc limit 8`.execute(
    store.db,
  );
  for (const t of tables.rows) sizes.push([t.name, Number(t.bytes)]);
  return { store, name: 'SQLite', location: file, loadSeconds, reused, sizes };
}

async function openPostgres(gen: Generator, o: Options): Promise<Loaded> {
  const key = cacheKey(o);
  const schema = `bench_search_n${o.n}_${key}`;
  const url = new URL(process.env.DATABASE_URL ?? '');
  url.searchParams.set('schema', schema);
  let store = await openStore(url.toString(), o.cache);
  const reused = await isComplete(store.db, key);
  if (!reused) {
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(store.db);
    await store.close();
    log(`PostgreSQL: loading ${o.n} accounts into schema ${schema}…`);
    store = await openStore(url.toString(), o.cache);
    await migrateToLatest(store);
    await load(store, gen, o, key);
  } else {
    await migrateToLatest(store);
    log(`PostgreSQL: reusing schema ${schema}`);
  }
  const loadSeconds = await storedLoadSeconds(store.db);
  const sizes: Array<[string, number]> = [];
  const total = await sql<{ bytes: number }>`
    select sum(pg_total_relation_size(c.oid)) as bytes from pg_class c
    join pg_namespace n on n.oid = c.relnamespace where n.nspname = ${schema} and c.relkind = 'r'`.execute(
    store.db,
  );
  sizes.push(['schema', Number(total.rows[0]?.bytes ?? 0)]);
  const rels = await sql<{ name: string; bytes: number }>`
    select c.relname as name, pg_relation_size(c.oid) as bytes from pg_class c
    join pg_namespace n on n.oid = c.relnamespace where n.nspname = ${schema}
    order by bytes desc limit 8`.execute(store.db);
  for (const r of rels.rows) sizes.push([r.name, Number(r.bytes)]);
  return { store, name: 'PostgreSQL', location: url.toString(), loadSeconds, reused, sizes };
}

async function storedLoadSeconds(db: Kysely<Database>): Promise<number | null> {
  const r = await sql<{ v: string }>`select v from bench_meta where k = 'load_seconds'`.execute(db);
  return r.rows[0] ? Number(r.rows[0].v) : null;
}

// ---------------------------------------------------------------------------------------------
// The same store with prepared statements kept (what the issue asks to try when compilation
// shows in profiles). Kysely prepares every statement it runs; these wrappers keep them: for
// SQLite a better-sqlite3 Statement per SQL text (LRU), for PostgreSQL a named prepared
// statement per SQL text and connection (planned once). Proposed for service/store/database.ts.

const STATEMENT_CACHE_SIZE = 500;

function statementCachingSqlite(database: SQLite.Database) {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => database.close(),
    prepare(text: string) {
      let statement = cache.get(text);
      if (statement) {
        cache.delete(text);
      } else {
        statement = database.prepare(text);
        if (cache.size >= STATEMENT_CACHE_SIZE) {
          const oldest = cache.keys().next().value;
          if (oldest !== undefined) cache.delete(oldest);
        }
      }
      cache.set(text, statement);
      return statement;
    },
  };
}

function openTunedSqlite(file: string): Store {
  const database = new SQLite(file);
  database.pragma('journal_mode = WAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  database.pragma('synchronous = NORMAL');
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: statementCachingSqlite(database) }),
  });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

function openTunedPostgres(location: string): Store {
  const url = new URL(location);
  const schema = url.searchParams.get('schema');
  url.searchParams.delete('schema');
  if (!url.username && !process.env.PGUSER) url.username = userInfo().username;
  const pool = new pg.Pool({
    connectionString: url.toString(),
    max: 10,
    ...(schema ? { options: `-c search_path=${schema},public` } : {}),
  });
  const names = new Map<string, string>();
  const nameOf = (text: string) => {
    let name = names.get(text);
    if (!name) {
      name = `lk_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
      names.set(text, name);
    }
    return name;
  };
  const named = {
    async connect() {
      const client = await pool.connect();
      return {
        query: (text: string, values: readonly unknown[]) =>
          client.query({ name: nameOf(text), text, values: [...values] }),
        release: () => client.release(),
      };
    },
    end: () => pool.end(),
  };
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: named as unknown as pg.Pool }),
  });
  return { db, dialect: 'postgres', close: () => db.destroy() };
}

// ---------------------------------------------------------------------------------------------
// Measuring.

interface Sample {
  ms: number;
  items: number;
  term: string;
}

interface Summary {
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

type Runner = (term: string) => Promise<AccountSearchResult>;

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

/** A minimal search route (GET /api/v1/accounts as the contract has it), when the service has none. */
async function startSearchServer(store: Store) {
  const app = Fastify({ logger: false });
  app.get('/api/v1/accounts', async (request) => {
    const query = AccountSearchQuerySchema.parse(request.query);
    return searchAccounts(store.db, store.dialect, systemClock, query, { organizationIds: null });
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return { app, port };
}

function httpRunner(port: number, token?: string): { run: Runner; close(): void } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const run: Runner = (term) =>
    new Promise((resolve, reject) => {
      const request = http.request(
        {
          host: '127.0.0.1',
          port,
          path: `/api/v1/accounts?limit=${RESULTS}&q=${encodeURIComponent(term)}`,
          agent,
          headers: {
            accept: 'application/json',
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (c: Buffer) => chunks.push(c));
          response.on('end', () => {
            const body = Buffer.concat(chunks).toString('utf8');
            if (response.statusCode !== 200)
              return reject(new Error(`HTTP ${response.statusCode}: ${body}`));
            resolve(JSON.parse(body) as AccountSearchResult);
          });
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end();
    });
  return { run, close: () => agent.destroy() };
}

/**
 * The service itself (buildApp: every route, bearer auth) on the store, and an access token of
 * a super-administrator (a "qqx" account no query of the benchmark matches, created once).
 */
async function startServiceRoute(store: Store, cache: string) {
  const ctx: ServiceContext = {
    db: store.db,
    dialect: store.dialect,
    clock: systemClock,
    hasher: argon2Hasher,
    config: loadConfig({ DATA_DIR: cache, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent' }),
    mailQueued: () => {},
  };
  let admin = await store.db
    .selectFrom('accounts')
    .select('id')
    .where('username_key', '=', 'qqxadmin')
    .executeTakeFirst();
  if (!admin) {
    const orgId = newId();
    const id = newId();
    await store.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('organizations')
        .values({
          id: orgId,
          name: 'Qqx',
          policy: JSON.stringify(defaultPolicy()),
          created_at: Date.now(),
        })
        .execute();
      await trx
        .insertInto('accounts')
        .values({
          ...accountRow(
            {
              username: 'qqxadmin',
              email: 'qqx@qqx.invalid',
              name: 'Qqx Qqx',
              phone: '',
              organization: 'Qqx',
              products: [],
              shared: false,
              holders: [],
            },
            orgId,
            Date.now(),
          ).account,
          id,
        })
        .execute();
      await trx
        .insertInto('role_grants')
        .values({
          id: newId(),
          account_id: id,
          role: 'super_admin',
          organization_id: null,
          created_at: Date.now(),
        })
        .execute();
    });
    admin = { id };
  }
  const { accessToken } = await issueTokens(store.db, systemClock, admin.id);
  const app = await buildApp(ctx);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return { app, port, token: accessToken };
}

interface KindResult {
  kind: Kind;
  summary: Summary;
  slowest: Array<{ term: string; ms: number }>;
}

async function measure(
  label: string,
  run: Runner,
  queries: Record<Kind, Query[]>,
): Promise<KindResult[]> {
  const out: KindResult[] = [];
  for (const kind of KINDS) {
    const list = queries[kind];
    await pass(run, list); // warm-up, as the peer does
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

const f2 = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const mib = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MiB`;

// ---------------------------------------------------------------------------------------------
// The peer.

interface PeerKind {
  kind: Kind;
  p50: number;
  p95: number;
  p99: number;
  qps: number;
}

const PEER_WORK = path.join(tmpdir(), 'ldap-peer-bench');
const PEER_DATA = process.env.LDAP_PEER_DIR ?? '/tmp/ldap-peer';

function peerShell(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync(cmd, args, {
    cwd: PEER_WORK,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status})`);
  return r.stdout;
}

/** Loads slapd with the peer's script (or restarts it on the same load); answers the load figures. */
function startPeer(n: number, o: Options): string | null {
  try {
    mkdirSync(PEER_WORK, { recursive: true });
    for (const f of ['gen-users.mjs', 'bench-search.mjs', 'run-slapd.sh', 'package.json']) {
      cpSync(path.join(PEER_DIR, f), path.join(PEER_WORK, f));
    }
    if (!existsSync(path.join(PEER_WORK, 'node_modules/ldapts'))) {
      log('peer: npm install (ldapts 8.2.0, in its own folder under /tmp)…');
      peerShell('npm', ['install', '--no-audit', '--no-fund', '--silent']);
    }
    const loadFile = path.join(PEER_DATA, 'load.txt');
    const loaded = existsSync(loadFile) ? readFileSync(loadFile, 'utf8') : '';
    const env = { SEED: o.seed, ORGS: String(o.orgs) };
    if (
      loaded.startsWith(`n=${n} seed=${o.seed} orgs=${o.orgs}\n`) &&
      existsSync(path.join(PEER_DATA, 'db/data.mdb'))
    ) {
      log(`peer: restarting slapd on its N=${n} load`);
      peerShell('bash', ['run-slapd.sh', 'start'], env);
    } else {
      log(`peer: run-slapd.sh ${n} (installs and loads slapd; about 7 minutes at 1M)…`);
      peerShell('bash', ['run-slapd.sh', String(n)], env);
    }
    return existsSync(loadFile) ? readFileSync(loadFile, 'utf8').trim().replace(/\n/g, ', ') : '';
  } catch (e) {
    log(`peer: not started (${(e as Error).message})`);
    return null;
  }
}

/** One run of the peer's bench-search.mjs (warm-up, 1 client, then 4 clients). */
function benchPeer(n: number, o: Options, round: number): PeerKind[] | null {
  try {
    const json = path.join(PEER_WORK, `peer-n${n}-round${round}.json`);
    log(`peer: bench-search.mjs (round ${round})…`);
    peerShell('node', [
      'bench-search.mjs',
      ...['--n', String(n), '--seed', o.seed, '--orgs', String(o.orgs)],
      ...['--queries', String(o.queries), '--json', json],
    ]);
    const data = JSON.parse(readFileSync(json, 'utf8')) as {
      results: Array<{
        kind: Kind;
        clients1: { p50: number; p95: number; p99: number; qps: number };
      }>;
    };
    return data.results.map((r) => ({ kind: r.kind, ...r.clients1 }));
  } catch (e) {
    log(`peer: not measured (${(e as Error).message})`);
    return null;
  }
}

function stopPeer(): void {
  spawnSync('bash', ['run-slapd.sh', 'stop'], { cwd: PEER_WORK, stdio: 'inherit' });
}

// ---------------------------------------------------------------------------------------------

async function measureImport(gen: Generator, o: Options, k: number): Promise<void> {
  // importCsv is the production path (checks, hashing, audit events, triggers): time it on k rows.
  const { importCsv } = await import('../service/import-csv.ts');
  const { ManualClock } = await import('../service/clock.ts');
  const { loadConfig } = await import('../service/config.ts');
  const { ensureProduct } = await import('../service/domain/account-records.ts');
  const { argon2Hasher } = await import('../service/domain/passwords.ts');
  const dir = path.join(tmpdir(), `latchkey-bench-import-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const store = await openStore(undefined, dir);
  try {
    await migrateToLatest(store);
    for (const [code, name] of Object.entries(PRODUCT_NAMES)) {
      await ensureProduct(store.db, { code, name, url: `https://${code}.example/` });
    }
    let csv = gen.CSV_HEADER + '\n';
    let i = 0;
    for (const u of gen.generateUsers({ n: k, seed: o.seed, orgs: o.orgs })) {
      csv += gen.toCsvRow(u) + '\n';
      i += 1;
    }
    const ctx = {
      db: store.db,
      dialect: store.dialect,
      clock: new ManualClock(),
      hasher: argon2Hasher,
      config: loadConfig({ DATA_DIR: dir }),
      mailQueued: () => {},
    };
    const started = performance.now();
    const result = await importCsv(ctx, csv);
    const s = (performance.now() - started) / 1000;
    log(
      `importCsv of ${i} rows on SQLite (with the search triggers): ${s.toFixed(1)} s, ${(i / s).toFixed(0)} rows/s, ok=${result.ok}`,
    );
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

interface ReportRow {
  round: number;
  store: string;
  mode: string;
  results: KindResult[];
}

/** Every store variant and mode, once: the rows of one round. */
async function measureOurs(
  o: Options,
  loads: Array<Omit<Loaded, 'store'>>,
  queries: Record<Kind, Query[]>,
  round: number,
): Promise<ReportRow[]> {
  const report: ReportRow[] = [];
  for (const loaded of loads) {
    for (const variant of o.variants) {
      const store =
        variant === 'service'
          ? await openStore(
              loaded.location.startsWith('postgres')
                ? loaded.location
                : `sqlite:${loaded.location}`,
              o.cache,
            )
          : loaded.name === 'SQLite'
            ? openTunedSqlite(loaded.location)
            : openTunedPostgres(loaded.location);
      const label = `${loaded.name} ${variant === 'service' ? '(openStore)' : '(statement cache)'}`;
      try {
        for (const mode of o.modes) {
          if (mode === 'direct') {
            const direct: Runner = (term) =>
              searchAccounts(
                store.db,
                store.dialect,
                systemClock,
                AccountSearchQuerySchema.parse({ q: term, limit: RESULTS }),
                { organizationIds: null },
              );
            const results = await measure(`${label} direct`, direct, queries);
            report.push({ round, store: label, mode: 'direct', results });
            continue;
          }
          const server =
            mode === 'route'
              ? await startServiceRoute(store, o.cache)
              : { ...(await startSearchServer(store)), token: undefined };
          const client = httpRunner(server.port, server.token);
          const name = mode === 'route' ? 'HTTP, service route (bearer)' : 'HTTP, bare route';
          try {
            const results = await measure(`${label} ${name}`, client.run, queries);
            report.push({ round, store: label, mode: name, results });
          } finally {
            client.close();
            await server.app.close();
          }
        }
      } finally {
        await store.close();
      }
    }
  }
  return report;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const gen = await loadGenerator();
  if (o.measureImport > 0) await measureImport(gen, o, o.measureImport);
  const tq = performance.now();
  const queries = buildQueries(gen, o, o.n);
  log(
    `${o.queries} queries per kind drawn from N=${o.n} seed=${o.seed} in ${(performance.now() - tq).toFixed(0)} ms`,
  );

  const loads: Array<Omit<Loaded, 'store'>> = [];
  for (const which of o.stores) {
    const loaded = which === 'sqlite' ? await openSqlite(gen, o) : await openPostgres(gen, o);
    const { store, ...rest } = loaded;
    loads.push(rest);
    await store.close();
  }

  const peerN = o.peerN ?? o.n;
  const peerLoad = o.peer ? startPeer(peerN, o) : null;
  const peerRounds: PeerKind[][] = [];
  const report: ReportRow[] = [];
  try {
    for (let round = 1; round <= o.rounds; round += 1) {
      if (peerLoad !== null) {
        const peer = benchPeer(peerN, o, round);
        if (peer) peerRounds.push(peer);
      }
      report.push(...(await measureOurs(o, loads, queries, round)));
    }
  } finally {
    if (peerLoad !== null) stopPeer();
  }
  printReport(o, loads, report, peerRounds, peerN, peerLoad);
  if (o.json) {
    const out = { n: o.n, seed: o.seed, orgs: o.orgs, loads, peerN, peerLoad, peerRounds, report };
    writeFileSync(o.json, JSON.stringify(out, null, 2) + '\n');
  }
}

function printReport(
  o: Options,
  loads: Array<Omit<Loaded, 'store'>>,
  report: ReportRow[],
  peerRounds: PeerKind[][],
  peerN: number,
  peerLoad: string | null,
): void {
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
  if (peerRounds.length > 0) {
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
  console.log('\nslowest queries:');
  for (const r of report) {
    for (const k of r.results) {
      const slow = k.slowest.map((s) => `"${s.term}" ${f2(s.ms)}`).join(', ');
      console.log(`  round ${r.round} ${r.store} ${r.mode} ${k.kind}: ${slow}`);
    }
  }
}

main().catch((e: unknown) => {
  log(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});
