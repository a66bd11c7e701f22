import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { openStore, type Store } from '../../service/store/database.ts';

/** A store a benchmark runs against: made fresh, thrown away after. */
export interface StoreUnderTest {
  name: string;
  /** A fresh, empty store, and the folder for the service's DATA_DIR. */
  open(): Promise<{ store: Store; dataDir: string }>;
  /** Closes the store and removes everything `open` made. */
  discard(store: Store, dataDir: string): Promise<void>;
}

const tempDir = () => mkdtempSync(path.join(tmpdir(), 'latchkey-bench-'));

function sqliteStore(): StoreUnderTest {
  return {
    name: 'SQLite (temporary file)',
    async open() {
      const dataDir = tempDir();
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
    async open() {
      const dataDir = tempDir();
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

/** SQLite by default; PostgreSQL instead when DATABASE_URL names one. */
export function storeUnderTest(databaseUrl = process.env.DATABASE_URL): StoreUnderTest {
  return databaseUrl && /^postgres(ql)?:\/\//.test(databaseUrl)
    ? postgresStore(databaseUrl)
    : sqliteStore();
}
