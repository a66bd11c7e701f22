import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { openStore, type Store } from '../../service/store/database.ts';
import { migrateToLatest } from '../../service/store/migrate.ts';

/** One store the benchmark can run on. */
export interface StoreUnderTest {
  name: string;
  /** A fresh, migrated, empty store, its URL for the service processes, and a DATA_DIR. */
  open(): Promise<{ store: Store; databaseUrl: string | undefined; dataDir: string }>;
  discard(store: Store, dataDir: string): Promise<void>;
}

export function sqliteStore(): StoreUnderTest {
  return {
    name: 'SQLite',
    async open() {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-flood-'));
      const store = await openStore(undefined, dataDir);
      await migrateToLatest(store);
      return { store, databaseUrl: undefined, dataDir };
    },
    async discard(store, dataDir) {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function postgresStore(databaseUrl: string): StoreUnderTest {
  const schema = `flood_${randomBytes(6).toString('hex')}`;
  const url = new URL(databaseUrl);
  url.searchParams.set('schema', schema);
  return {
    name: 'PostgreSQL',
    async open() {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-flood-'));
      const store = await openStore(url.toString(), dataDir);
      await migrateToLatest(store);
      return { store, databaseUrl: url.toString(), dataDir };
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
