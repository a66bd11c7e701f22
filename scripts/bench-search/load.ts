import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { type Kysely, sql } from 'kysely';
import { openStore, type Store } from '../../service/store/database.ts';
import { migrateToLatest } from '../../service/store/migrate.ts';
import { gramsSelect } from '../../service/search/search-grams-sql.ts';
import { FOLD_PAIRS } from '../../service/search/text-folding.ts';
import type { Database } from '../../service/store/schema.ts';
import { log } from './format.ts';
import { load } from './load-accounts.ts';
import type { Options } from './options.ts';
import { PEER_DIR, ROOT } from './paths.ts';
import type { Generator } from './queries.ts';

// Loaded stores, cached: a SQLite file under --cache, a PostgreSQL schema.

/** Bump when the loader writes different rows. */
const LOADER_VERSION = 1;

/**
 * What a cached load depends on: the generator, the accounts schema (001, without its layout)
 * and the search index as SQL (what 002 generates, not how its file is formatted), N, seed.
 */
export function cacheKey(o: Options): string {
  const hash = createHash('sha256');
  hash.update(readFileSync(path.join(PEER_DIR, 'gen-users.mjs')));
  const initial = readFileSync(path.join(ROOT, 'service/store/migrations/001-initial.ts'), 'utf8');
  hash.update(initial.replace(/\s+/g, ''));
  for (const dialect of ['sqlite', 'postgres'] as const) hash.update(gramsSelect(dialect, 'rows'));
  hash.update(JSON.stringify(FOLD_PAIRS));
  hash.update(`${LOADER_VERSION}:${o.n}:${o.seed}:${o.orgs}`);
  return hash.digest('hex').slice(0, 12);
}

/** A loaded store, open, with where it is and what its load cost. */
export interface Loaded {
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

async function storedLoadSeconds(db: Kysely<Database>): Promise<number | null> {
  const r = await sql<{ v: string }>`select v from bench_meta where k = 'load_seconds'`.execute(db);
  return r.rows[0] ? Number(r.rows[0].v) : null;
}

async function sqliteSizes(db: Kysely<Database>, file: string): Promise<Array<[string, number]>> {
  const sizes: Array<[string, number]> = [['file', statSync(file).size]];
  const tables = await sql<{ name: string; bytes: number }>`
    select name, sum(pgsize) as bytes from dbstat group by name order by bytes desc limit 8`.execute(
    db,
  );
  for (const t of tables.rows) sizes.push([t.name, Number(t.bytes)]);
  return sizes;
}

/** The SQLite store of N accounts under --cache: reused when complete, else loaded now. */
export async function openSqlite(gen: Generator, o: Options): Promise<Loaded> {
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
  const sizes = await sqliteSizes(store.db, file);
  return { store, name: 'SQLite', location: file, loadSeconds, reused, sizes };
}

async function postgresSizes(
  db: Kysely<Database>,
  schema: string,
): Promise<Array<[string, number]>> {
  const sizes: Array<[string, number]> = [];
  const total = await sql<{ bytes: number }>`
    select sum(pg_total_relation_size(c.oid)) as bytes from pg_class c
    join pg_namespace n on n.oid = c.relnamespace where n.nspname = ${schema} and c.relkind = 'r'`.execute(
    db,
  );
  sizes.push(['schema', Number(total.rows[0]?.bytes ?? 0)]);
  const rels = await sql<{ name: string; bytes: number }>`
    select c.relname as name, pg_relation_size(c.oid) as bytes from pg_class c
    join pg_namespace n on n.oid = c.relnamespace where n.nspname = ${schema}
    order by bytes desc limit 8`.execute(db);
  for (const r of rels.rows) sizes.push([r.name, Number(r.bytes)]);
  return sizes;
}

/** The PostgreSQL schema of N accounts in DATABASE_URL: reused when complete, else loaded now. */
export async function openPostgres(gen: Generator, o: Options): Promise<Loaded> {
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
  const sizes = await postgresSizes(store.db, schema);
  return { store, name: 'PostgreSQL', location: url.toString(), loadSeconds, reused, sizes };
}

/** Opens (loading when needed) every store of --store, closes it, and answers what was loaded. */
export async function loadStores(
  gen: Generator,
  o: Options,
): Promise<Array<Omit<Loaded, 'store'>>> {
  const loads: Array<Omit<Loaded, 'store'>> = [];
  for (const which of o.stores) {
    const loaded = which === 'sqlite' ? await openSqlite(gen, o) : await openPostgres(gen, o);
    const { store, ...rest } = loaded;
    loads.push(rest);
    await store.close();
  }
  return loads;
}
