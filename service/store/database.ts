import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect, sql, type Driver } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';

export type Dialect = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  /**
   * For the hot reads whose best plan does not depend on their values (the account search, the
   * bearer-token lookup): on PostgreSQL a pool of its own whose statements are prepared once per
   * connection and planned once (planning a search cost more than running it: bench:search).
   * On SQLite, `db` (whose statements are kept compiled anyway).
   */
  plannedDb: Kysely<Database>;
  dialect: Dialect;
  /** The PostgreSQL schema this store lives in, when DATABASE_URL named one. */
  schema?: string;
  close(): Promise<void>;
}

// int8 (epoch milliseconds, counts) comes back from pg as a string unless told otherwise.
pg.types.setTypeParser(20, (value) => Number(value));

/**
 * Opens the store named by `databaseUrl`: a `postgres://` URL, or else a SQLite file
 * (`sqlite:` path, or `latchkey.sqlite` under `dataDir`). A PostgreSQL URL may carry
 * `?schema=name` to keep one deployment (or one test run) in its own schema.
 */
export async function openStore(databaseUrl: string | undefined, dataDir: string): Promise<Store> {
  if (databaseUrl && /^postgres(ql)?:\/\//.test(databaseUrl)) return openPostgres(databaseUrl);
  const file = databaseUrl
    ? databaseUrl.replace(/^sqlite:/, '')
    : path.join(dataDir, 'latchkey.sqlite');
  return openSqlite(file);
}

function openSqlite(file: string): Store {
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const database = new SQLite(file);
  database.pragma('journal_mode = WAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  database.pragma('synchronous = NORMAL');
  // Reads through a memory map (up to the 2 GB this build allows) and a 64 MB page cache: a
  // search touches pages all over the index, and copying each in by read() cost ~15% of it.
  database.pragma('mmap_size = 2147418112');
  database.pragma('cache_size = -65536');
  const db = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({ database: keepingStatements(database) }),
  });
  return { db, plannedDb: db, dialect: 'sqlite', close: () => db.destroy() };
}

/**
 * Transactions begin with SQLite's write lock (BEGIN IMMEDIATE), waiting up to busy_timeout for
 * it. A deferred BEGIN that reads and then writes fails at once with SQLITE_BUSY when another
 * process wrote in between (busy_timeout does not cover that upgrade): with two service
 * processes on one file, one sign-in in fifty answered 500 (limits-across-processes test).
 * Within one process Kysely runs one transaction at a time anyway, so nothing else changes.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    const driver = super.createDriver();
    driver.beginTransaction = async (connection) => {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    };
    return driver;
  }
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every statement it runs; compiling a search's SQL costs about as much as
 * running it (bench:search), so a compiled Statement is kept per SQL text (least recently used
 * first out). SQLite re-prepares a kept statement by itself after a schema change.
 */
function keepingStatements(database: SQLite.Database) {
  const kept = new Map<string, SQLite.Statement>();
  return {
    close: () => database.close(),
    prepare(text: string): SQLite.Statement {
      const statement = kept.get(text) ?? database.prepare(text);
      kept.delete(text);
      if (kept.size >= STATEMENT_CACHE_SIZE) {
        const oldest = kept.keys().next().value;
        if (oldest !== undefined) kept.delete(oldest);
      }
      kept.set(text, statement);
      return statement;
    },
  };
}

const PLANNED_STATEMENTS_PER_CONNECTION = 200;

/**
 * A pool whose clients run every statement as a named prepared statement (one name per SQL
 * text), on connections set to plan each once, without JIT or parallel workers. A connection
 * that has prepared PLANNED_STATEMENTS_PER_CONNECTION statements is closed on release, so the
 * server's memory for them stays bounded whatever the mix of filters.
 */
function plannedPool(config: pg.PoolConfig) {
  const pool = new pg.Pool({
    ...config,
    max: 5,
    options: [
      config.options ?? '',
      // Planned once, without JIT or parallel workers: each would cost more than these reads.
      '-c plan_cache_mode=force_generic_plan -c jit=off -c max_parallel_workers_per_gather=0',
    ]
      .join(' ')
      .trim(),
  });
  const names = new Map<string, string>();
  const nameOf = (text: string) => {
    let name = names.get(text);
    if (!name) {
      name = `lk_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
      if (names.size >= 10_000) names.clear();
      names.set(text, name);
    }
    return name;
  };
  const prepared = new WeakMap<pg.PoolClient, Set<string>>();
  return {
    async connect() {
      const client = await pool.connect();
      const mine = prepared.get(client) ?? new Set<string>();
      prepared.set(client, mine);
      return {
        query: (text: string, values: unknown[]) => {
          const name = nameOf(text);
          mine.add(name);
          return client.query({ name, text, values });
        },
        release: (destroy?: boolean) =>
          client.release(destroy || mine.size >= PLANNED_STATEMENTS_PER_CONNECTION),
      };
    },
    end: () => pool.end(),
  };
}

async function openPostgres(databaseUrl: string): Promise<Store> {
  const url = new URL(databaseUrl);
  const schema = url.searchParams.get('schema');
  url.searchParams.delete('schema');
  // libpq's convention: no user in the URL means the operating-system user.
  if (!url.username && !process.env.PGUSER) url.username = userInfo().username;
  if (schema && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`DATABASE_URL: schema "${schema}" must be lower-case letters, digits and _`);
  }
  const config: pg.PoolConfig = {
    connectionString: url.toString(),
    max: 10,
    ...(schema ? { options: `-c search_path=${schema},public` } : {}),
  };
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool(config) }) });
  const plannedDb = new Kysely<Database>({
    // Kysely asks only for connect(), a client's query(text, values) and release(), and end().
    dialect: new PostgresDialect({ pool: plannedPool(config) as unknown as pg.Pool }),
  });
  if (schema) await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  return {
    db,
    plannedDb,
    dialect: 'postgres',
    ...(schema ? { schema } : {}),
    close: async () => {
      await Promise.all([db.destroy(), plannedDb.destroy()]);
    },
  };
}
