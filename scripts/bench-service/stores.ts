import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { openStore, type Store } from '../../service/store/database.ts';

export interface StoreUnderTest {
  name: string;
  /** Where the throughput part's service process keeps its store (a schema of its own on PostgreSQL). */
  location: { databaseUrl?: string };
  /** A fresh, empty store, and the folder for the service's DATA_DIR (mail goes there). */
  open(): Promise<{ store: Store; dataDir: string }>;
  /** Closes the store and removes everything `open` created. */
  discard(store: Store, dataDir: string): Promise<void>;
}

export function sqliteStore(): StoreUnderTest {
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

export function postgresStore(databaseUrl: string): StoreUnderTest {
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
