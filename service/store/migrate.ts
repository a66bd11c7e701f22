import {
  Migrator,
  sql,
  type Migration,
  type MigrationProvider,
  type MigrationResultSet,
} from 'kysely';
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
import { oidcSchema } from './migrations/010-oidc.ts';
import { productOrder } from './migrations/011-product-order.ts';
import { auditChainHead } from './migrations/012-audit-chain-head.ts';

/** Every migration, in order; each is written once for both dialects. */
function migrations(store: Pick<Store, 'dialect'>): Record<string, Migration> {
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
    '010-oidc': oidcSchema(store.dialect),
    '011-product-order': productOrder(store.dialect),
    '012-audit-chain-head': auditChainHead(store.dialect),
  };
}

/** Where the store stands against this build's migrations. */
export interface MigrationState {
  /** This build's migrations the store has not run yet. */
  pending: string[];
  /** Migrations the store ran that this build does not know: a newer Latchkey wrote it. */
  unknown: string[];
}

/** Thrown at start-up when a newer Latchkey has migrated the store past what this build knows. */
export class NewerDatabaseError extends Error {
  constructor(readonly unknown: string[]) {
    const names = unknown.join(', ');
    super(
      `The database was written by a newer Latchkey: migration ${names} ${unknown.length === 1 ? 'is' : 'are'} unknown to this version (it knows up to ${latestKnown()}). Run that newer version, or restore a backup taken before the upgrade.`,
    );
  }
}

const latestKnown = () =>
  Object.keys(migrations({ dialect: 'sqlite' }))
    .sort()
    .at(-1) ?? '';

/** A migration that failed; the store's own error (SQLITE_FULL, a lost connection) is its cause. */
export class MigrationError extends Error {
  constructor(message: string, cause: Error) {
    super(message, { cause });
  }
}

// Kysely's own table; on PostgreSQL it lives in the store's schema (see migrateToLatest).
const MIGRATION_TABLE = 'kysely_migration';

/** Reads which migrations the store has run against the ones this build knows (one query). */
export async function migrationState(
  store: Pick<Store, 'db' | 'dialect' | 'schema'>,
): Promise<MigrationState> {
  const known = Object.keys(migrations(store));
  const table = store.schema ? sql.id(store.schema, MIGRATION_TABLE) : sql.id(MIGRATION_TABLE);
  let applied: string[];
  try {
    const rows = await sql<{ name: string }>`select name from ${table}`.execute(store.db);
    applied = rows.rows.map((r) => r.name);
  } catch (error) {
    if (!isMissingTable(error)) throw error;
    applied = [];
  }
  return {
    pending: known.filter((name) => !applied.includes(name)),
    unknown: applied.filter((name) => !known.includes(name)).sort(),
  };
}

// A store no migration has touched yet has no migration table: everything is pending.
const isMissingTable = (error: unknown): boolean =>
  (error as { code?: unknown }).code === '42P01' ||
  (error instanceof Error && /no such table/.test(error.message));

function migrator(store: Store): Migrator {
  const provider: MigrationProvider = { getMigrations: async () => migrations(store) };
  // Kysely looks for its own tables across all schemas; pin them to ours, or another
  // schema's migration tables in the same database would be taken for these.
  return new Migrator({
    db: store.db,
    provider,
    ...(store.schema ? { migrationTableSchema: store.schema } : {}),
  });
}

/** Brings the store up to date; safe to run at every start-up and from several processes. */
export async function migrateToLatest(store: Store): Promise<void> {
  const { unknown } = await migrationState(store);
  if (unknown.length > 0) throw new NewerDatabaseError(unknown);
  check(await migrator(store).migrateToLatest());
}

/** Brings the store up to the named migration only: a test of a migration starts from before it. */
export async function migrateUpTo(store: Store, name: string): Promise<void> {
  check(await migrator(store).migrateTo(name));
}

function check({ error, results }: MigrationResultSet): void {
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const cause = error instanceof Error ? error : new Error(String(error ?? 'no reason given'));
    throw new MigrationError(
      failed
        ? `Migration ${failed.migrationName} failed: ${cause.message}`
        : `Migrations could not run: ${cause.message}`,
      cause,
    );
  }
}
