import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../service/store/database.ts';
import { migrateToLatest, migrationState } from '../../service/store/migrate.ts';

// Several deployments (and the test files of one run) share a PostgreSQL database, each in a
// schema of its own. One dropping its schema must never fail another's start-up: Kysely's own
// introspector looked every schema up by name and failed with `schema "t_…" does not exist`
// when one vanished mid-query (seen in CI). PostgreSQL only: on the SQLite pass it is skipped.

const base = process.env.DATABASE_URL ?? '';
const isPostgres = /^postgres/.test(base);

function storeIn(schema: string): Promise<Store> {
  const url = new URL(base);
  url.searchParams.set('schema', schema);
  return openStore(url.toString(), mkdtempSync(path.join(tmpdir(), 'latchkey-churn-')));
}

describe.skipIf(!isPostgres)('migrations beside schemas other sessions drop', () => {
  it('migrate to the latest while another session creates and drops schemas with tables', async () => {
    const churn = await storeIn('public');
    let stop = false;
    let dropped = 0;
    const churning = (async () => {
      while (!stop) {
        const other = `churn_${randomBytes(5).toString('hex')}`;
        await sql`create schema ${sql.id(other)}`.execute(churn.db);
        for (let i = 0; i < 20; i += 1) {
          await sql`create table ${sql.id(other, `t${i}`)} (id serial primary key, v text)`.execute(
            churn.db,
          );
        }
        await sql`drop schema ${sql.id(other)} cascade`.execute(churn.db);
        dropped += 1;
      }
    })();
    const schemas: string[] = [];
    try {
      for (let round = 0; round < 4; round += 1) {
        const schema = `t_${randomBytes(6).toString('hex')}`;
        schemas.push(schema);
        const store = await storeIn(schema);
        try {
          await migrateToLatest(store);
          expect((await migrationState(store)).pending).toEqual([]);
        } finally {
          await store.close();
        }
      }
    } finally {
      stop = true;
      await churning;
      for (const schema of schemas) {
        await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(churn.db);
      }
      await churn.close();
    }
    expect(dropped).toBeGreaterThan(0);
  });
});
