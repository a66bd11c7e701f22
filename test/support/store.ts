import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import {
  bindAuditKeys,
  defaultAuditKeyFile,
  loadAuditKeys,
} from '../../service/domain/audit-keys.ts';
import { openStore, type Store } from '../../service/store/database.ts';
import { migrateToLatest, migrateUpTo } from '../../service/store/migrate.ts';

/**
 * A fresh, migrated store for one test file: a SQLite file in a new temporary folder, or,
 * when DATABASE_URL names PostgreSQL, a schema of its own in that database (dropped on close).
 * `upTo` stops at that migration, for a test of the ones after it.
 */
export async function openTestStore(
  options: { upTo?: string } = {},
): Promise<Store & { dataDir: string; databaseUrl: string | undefined }> {
  const migrate = (store: Store) =>
    options.upTo ? migrateUpTo(store, options.upTo) : migrateToLatest(store);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-test-'));
  const base = process.env.DATABASE_URL;
  if (base && /^postgres/.test(base)) {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const url = new URL(base);
    url.searchParams.set('schema', schema);
    const store = await openStore(url.toString(), dataDir);
    await migrate(store);
    await bindTestAuditKeys(store, dataDir);
    return {
      ...store,
      dataDir,
      databaseUrl: url.toString(),
      async close() {
        await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(store.db);
        await store.close();
      },
    };
  }
  const store = await openStore(undefined, dataDir);
  await migrate(store);
  await bindTestAuditKeys(store, dataDir);
  return { ...store, dataDir, databaseUrl: undefined };
}

/** The audit key the service would use in `dataDir` (its key file), bound to the store's handle. */
async function bindTestAuditKeys(store: Store, dataDir: string): Promise<void> {
  const keys = await loadAuditKeys({
    key: undefined,
    previous: [],
    file: defaultAuditKeyFile(dataDir),
  });
  bindAuditKeys(store.db, keys);
  bindAuditKeys(store.plannedDb, keys);
}
