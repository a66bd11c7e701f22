import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore } from '../support/store.ts';

type TestStore = Awaited<ReturnType<typeof openTestStore>>;
let store: TestStore;

beforeAll(async () => {
  store = await openTestStore();
});

afterAll(async () => {
  await store?.close();
});

/** One value of a setting as the planned pool's connection has it. */
async function setting(name: string): Promise<string> {
  const rows = await sql<{ v: string }>`select current_setting(${name}) as v`.execute(
    store.plannedDb,
  );
  return rows.rows[0]?.v ?? '';
}

describe('store: the pool for searches and bearer lookups', () => {
  it('on PostgreSQL plans each statement once, without JIT or parallel workers, and keeps at most 200 per connection; on SQLite is the store itself', async () => {
    if (store.dialect === 'sqlite') {
      expect(store.plannedDb).toBe(store.db);
      const mmap = await sql<{ mmap_size: number }>`pragma mmap_size`.execute(store.db);
      expect(Number(mmap.rows[0]?.mmap_size)).toBeGreaterThan(0);
      return;
    }
    expect(await setting('plan_cache_mode')).toBe('force_generic_plan');
    expect(await setting('jit')).toBe('off');
    expect(await setting('max_parallel_workers_per_gather')).toBe('0');
    // 250 different statements: each prepared where it runs, none left past 200 on a connection.
    for (let i = 0; i < 250; i += 1) {
      await sql`select ${i}::int + ${sql.lit(i)} as n`.execute(store.plannedDb);
    }
    const kept = await sql<{ n: number }>`
      select count(*)::int as n from pg_prepared_statements`.execute(store.plannedDb);
    expect(kept.rows[0]?.n).toBeGreaterThan(0);
    expect(kept.rows[0]?.n).toBeLessThanOrEqual(200);
    // The same text again is the same prepared statement, not a second one.
    await sql`select ${1}::int + ${sql.lit(249)} as n`.execute(store.plannedDb);
    const again = await sql<{ same: number }>`
      select count(*) filter (where statement like 'select $1::int + 249%')::int as same
      from pg_prepared_statements`.execute(store.plannedDb);
    expect(again.rows[0]?.same).toBe(1);
  });
});
