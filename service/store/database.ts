import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  PostgresDialect,
  SqliteDialect,
  sql,
  type DatabaseIntrospector,
  type Driver,
} from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';
import { SearchPathIntrospector } from './postgres-introspector.ts';
import { storeOutageOf } from './store-errors.ts';

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
  /** Where lost connections are reported (the service's log once it has one; stderr before). */
  logTo(log: StoreLog): void;
  close(): Promise<void>;
}

/** A structured log line: fields first, as pino takes them. */
export type StoreLog = (fields: Record<string, unknown>, message: string) => void;

const stderrLog: StoreLog = (fields, message) =>
  console.error(JSON.stringify({ level: 'error', msg: message, ...fields }));

// int8 (epoch milliseconds, counts) comes back from pg as a string unless told otherwise.
pg.types.setTypeParser(20, (value) => Number(value));

/**
 * Opens the store named by `databaseUrl`: a `postgres://` URL, or else a SQLite file
 * (`sqlite:` path, or `latchkey.sqlite` under `dataDir`). A PostgreSQL URL may carry
 * `?schema=name` to keep one deployment (or one test run) in its own schema.
 */
export async function openStore(databaseUrl: string | undefined, dataDir: string): Promise<Store> {
  if (databaseUrl && isPostgresUrl(databaseUrl)) return openPostgres(databaseUrl);
  return openSqlite(sqliteFile(databaseUrl, dataDir));
}

const isPostgresUrl = (url: string) => /^postgres(ql)?:\/\//.test(url);
const sqliteFile = (databaseUrl: string | undefined, dataDir: string) =>
  databaseUrl ? databaseUrl.replace(/^sqlite:/, '') : path.join(dataDir, 'latchkey.sqlite');

/** The store named for a message: the variable that chose it and what it points at. */
export interface StoreLabel {
  variable: 'DATABASE_URL' | 'DATA_DIR';
  target: string;
}

/**
 * The store named in words for a start-up message, without any password: the variable that
 * chose it and what it points at.
 */
export function storeLabel(databaseUrl: string | undefined, dataDir: string): StoreLabel {
  if (databaseUrl && isPostgresUrl(databaseUrl)) {
    const url = new URL(databaseUrl);
    const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || '(default)';
    return {
      variable: 'DATABASE_URL',
      target: `PostgreSQL at ${url.hostname || 'localhost'}:${url.port || '5432'}, database "${database}"`,
    };
  }
  return {
    variable: databaseUrl ? 'DATABASE_URL' : 'DATA_DIR',
    target: `the SQLite file ${path.resolve(sqliteFile(databaseUrl, dataDir))}`,
  };
}

function openSqlite(file: string): Store {
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const database = new SQLite(file);
  try {
    database.pragma('journal_mode = WAL');
    database.pragma('busy_timeout = 5000');
    database.pragma('foreign_keys = ON');
    database.pragma('synchronous = NORMAL');
    // Reads through a memory map (up to the 2 GB this build allows) and a 64 MB page cache: a
    // search touches pages all over the index, and copying each in by read() cost ~15% of it.
    database.pragma('mmap_size = 2147418112');
    database.pragma('cache_size = -65536');
  } catch (error) {
    database.close();
    throw error;
  }
  const db = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect(database, { database: keepingStatements(database) }),
  });
  return {
    db,
    plannedDb: db,
    dialect: 'sqlite',
    logTo: () => {},
    close: () => db.destroy(),
  };
}

/**
 * Transactions begin with SQLite's write lock (BEGIN IMMEDIATE), waiting up to busy_timeout for
 * it. A deferred BEGIN that reads and then writes fails at once with SQLITE_BUSY when another
 * process wrote in between (busy_timeout does not cover that upgrade): with two service
 * processes on one file, one sign-in in fifty answered 500 (limits-across-processes test).
 * Within one process Kysely runs one transaction at a time anyway, so nothing else changes.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  constructor(
    private readonly database: SQLite.Database,
    config: ConstructorParameters<typeof SqliteDialect>[0],
  ) {
    super(config);
  }

  override createDriver(): Driver {
    const driver = super.createDriver();
    driver.beginTransaction = async (connection) => {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    };
    // SQLite ends the transaction itself on some errors (SQLITE_FULL, SQLITE_IOERR, SQLITE_BUSY,
    // SQLITE_NOMEM): a ROLLBACK then fails with "cannot rollback - no transaction is active",
    // and Kysely throws that in place of the disk error that caused it (issue 18).
    driver.rollbackTransaction = async (connection) => {
      if (this.database.inTransaction) {
        await connection.executeQuery(CompiledQuery.raw('rollback'));
      }
    };
    return driver;
  }
}

/**
 * A ROLLBACK on a connection that is gone fails too, and would hide why the transaction failed;
 * PostgreSQL rolls back by itself a transaction whose connection ended, so there is nothing left
 * to undo.
 */
class ResilientPostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SearchPathIntrospector(db);
  }

  override createDriver(): Driver {
    const driver = super.createDriver();
    const rollback = driver.rollbackTransaction.bind(driver);
    driver.rollbackTransaction = async (connection) => {
      try {
        await rollback(connection);
      } catch (error) {
        const outage = storeOutageOf(error);
        if (outage?.kind !== 'connection_lost' && outage?.kind !== 'unreachable') throw error;
      }
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
function plannedPool(config: pg.PoolConfig, log: () => StoreLog) {
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
  watchConnections(pool, log);
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

/**
 * A pool that survives its connections: one that fails while idle or in use (a failover, a
 * restart, pg_terminate_backend, a proxy's idle timeout) is logged and dropped, and the pool
 * opens a new one when next asked; the statement it was running fails, and its request answers
 * 503 (error-answers.ts). Without these listeners pg re-emits the error with no one to hear it
 * and the process exits (issue 18).
 */
function watchConnections(pool: pg.Pool, log: () => StoreLog): pg.Pool {
  // Each connection reports its own end, idle or in use; the pool has then already dropped it.
  pool.on('connect', (client) => {
    client.on('error', (error) => {
      log()(
        { store: 'postgres', code: storeOutageOf(error)?.code ?? 'unknown', detail: error.message },
        'database connection lost; the pool opens a new one when next needed',
      );
    });
  });
  // An idle connection's error is also re-emitted by the pool: heard here, reported above.
  pool.on('error', () => {});
  return pool;
}

/** Names this process's connections, so an operator can find them in pg_stat_activity. */
export const defaultApplicationName = (): string => `latchkey-${process.pid}`;

async function openPostgres(databaseUrl: string): Promise<Store> {
  const url = new URL(databaseUrl);
  const schema = url.searchParams.get('schema');
  url.searchParams.delete('schema');
  // libpq's convention: no user in the URL means the operating-system user.
  if (!url.username && !process.env.PGUSER) url.username = userInfo().username;
  if (schema && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`DATABASE_URL: schema "${schema}" must be lower-case letters, digits and _`);
  }
  if (!url.searchParams.has('application_name')) {
    url.searchParams.set('application_name', defaultApplicationName());
  }
  const config: pg.PoolConfig = {
    connectionString: url.toString(),
    max: 10,
    // Bounded waits: a database that does not answer (or a pool with no free connection) fails
    // the request with 503 after this long rather than holding it open.
    connectionTimeoutMillis: 10_000,
    // TCP keepalive: a peer that vanished without closing (a network cut) is noticed in time.
    keepAlive: true,
    keepAliveInitialDelayMillis: 30_000,
    ...(schema ? { options: `-c search_path=${schema},public` } : {}),
  };
  let log = stderrLog;
  const current = () => log;
  const db = new Kysely<Database>({
    dialect: new ResilientPostgresDialect({ pool: watchConnections(new pg.Pool(config), current) }),
  });
  const plannedDb = new Kysely<Database>({
    // Kysely asks only for connect(), a client's query(text, values) and release(), and end().
    dialect: new ResilientPostgresDialect({
      pool: plannedPool(config, current) as unknown as pg.Pool,
    }),
  });
  if (schema) await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  return {
    db,
    plannedDb,
    dialect: 'postgres',
    ...(schema ? { schema } : {}),
    logTo: (next) => {
      log = next;
    },
    close: async () => {
      await Promise.all([db.destroy(), plannedDb.destroy()]);
    },
  };
}
