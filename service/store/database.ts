import { mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';

export type Dialect = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
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
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: keepingStatements(database) }),
  });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
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

async function openPostgres(databaseUrl: string): Promise<Store> {
  const url = new URL(databaseUrl);
  const schema = url.searchParams.get('schema');
  url.searchParams.delete('schema');
  // libpq's convention: no user in the URL means the operating-system user.
  if (!url.username && !process.env.PGUSER) url.username = userInfo().username;
  if (schema && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`DATABASE_URL: schema "${schema}" must be lower-case letters, digits and _`);
  }
  const pool = new pg.Pool({
    connectionString: url.toString(),
    max: 10,
    ...(schema ? { options: `-c search_path=${schema},public` } : {}),
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  if (schema) await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  return { db, dialect: 'postgres', ...(schema ? { schema } : {}), close: () => db.destroy() };
}
