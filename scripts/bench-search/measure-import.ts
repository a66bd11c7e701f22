import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openStore } from '../../service/store/database.ts';
import { migrateToLatest } from '../../service/store/migrate.ts';
import { log } from './format.ts';
import { PRODUCT_NAMES } from './load-accounts.ts';
import type { Options } from './options.ts';
import type { Generator } from './queries.ts';
import { AccountSearcher } from '../../service/search/index.ts';
import { systemClock } from '../../service/clock.ts';

/** Times importCsv (--measure-import K) on the generator's first k people, on a fresh SQLite. */
export async function measureImport(gen: Generator, o: Options, k: number): Promise<void> {
  // importCsv is the production path (checks, hashing, audit events, triggers): time it on k rows.
  const { importCsv } = await import('../../service/import/import-csv.ts');
  const { ManualClock } = await import('../../service/clock.ts');
  const { loadConfig } = await import('../../service/config.ts');
  const { ensureProduct } = await import('../../service/domain/account-records.ts');
  const { argon2Hasher } = await import('../../service/domain/passwords.ts');
  const dir = path.join(tmpdir(), `latchkey-bench-import-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const store = await openStore(undefined, dir);
  try {
    await migrateToLatest(store);
    // Audit events are MACed with the key openService would load (DATA_DIR/audit.key).
    const keys = await import('../../service/domain/audit-keys.ts');
    const file = keys.defaultAuditKeyFile(dir);
    keys.bindAuditKeys(store.db, await keys.loadAuditKeys({ key: undefined, previous: [], file }));
    for (const [code, name] of Object.entries(PRODUCT_NAMES)) {
      await ensureProduct(store.db, { code, name, url: `https://${code}.example/` });
    }
    let csv = gen.CSV_HEADER + '\n';
    let i = 0;
    for (const u of gen.generateUsers({ n: k, seed: o.seed, orgs: o.orgs })) {
      csv += gen.toCsvRow(u) + '\n';
      i += 1;
    }
    const ctx = {
      db: store.db,
      plannedDb: store.plannedDb,
      search: new AccountSearcher(store.plannedDb, store.dialect, systemClock, 'store'),
      dialect: store.dialect,
      clock: new ManualClock(),
      hasher: argon2Hasher,
      config: loadConfig({ DATA_DIR: dir }),
      mailQueued: () => {},
    };
    const started = performance.now();
    const result = await importCsv(ctx, csv);
    const s = (performance.now() - started) / 1000;
    log(
      `importCsv of ${i} rows on SQLite (with the search triggers): ${s.toFixed(1)} s, ${(i / s).toFixed(0)} rows/s, ok=${result.ok}`,
    );
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
