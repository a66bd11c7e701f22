import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Store } from './database.ts';
import { initialSchema } from './migrations/001-initial.ts';
import { searchIndexes } from './migrations/002-search-indexes.ts';
import { adminSchema } from './migrations/003-admin.ts';
import { recoveryRequestsSchema } from './migrations/004-recovery-requests.ts';
import { auditIndexes } from './migrations/005-audit-indexes.ts';
import { searchChanges } from './migrations/006-search-changes.ts';
import { attemptSlots } from './migrations/007-attempt-slots.ts';
import { auditIntegrity } from './migrations/008-audit-integrity.ts';
import { verificationUse } from './migrations/009-verification-use.ts';
import { auditChainHead } from './migrations/013-audit-chain-head.ts';

/** Every migration, in order; each is written once for both dialects. */
function migrations(store: Store): Record<string, Migration> {
  return {
    '001-initial': initialSchema(store.dialect),
    '002-search-indexes': searchIndexes(store.dialect),
    '003-admin': adminSchema(store.dialect),
    '004-recovery-requests': recoveryRequestsSchema(store.dialect),
    '005-audit-indexes': auditIndexes(store.dialect),
    '006-search-changes': searchChanges(store.dialect),
    '007-attempt-slots': attemptSlots(store.dialect),
    '008-audit-integrity': auditIntegrity(store.dialect),
    '009-verification-use': verificationUse(store.dialect),
    '013-audit-chain-head': auditChainHead(store.dialect),
  };
}

/** Brings the store up to date; safe to run at every start-up and from several processes. */
export async function migrateToLatest(store: Store): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(store) };
  // Kysely looks for its own tables across all schemas; pin them to ours, or another
  // schema's migration tables in the same database would be taken for these.
  const migrator = new Migrator({
    db: store.db,
    provider,
    ...(store.schema ? { migrationTableSchema: store.schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const cause = error instanceof Error ? error.message : String(error ?? '');
    throw new Error(`Migration ${failed?.migrationName ?? ''} failed: ${cause}`);
  }
}
