import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../service/clock.ts';
import { ensureOrganization } from '../../service/domain/account-records.ts';
import { placeholder, withValues } from '../../service/store/compiled-once.ts';
import { openTestStore } from '../support/store.ts';

// compiled-once.ts: a statement compiled once answers each run for that run's values, on the
// test's store (SQLite, or PostgreSQL with DATABASE_URL).

let store: Awaited<ReturnType<typeof openTestStore>>;

beforeAll(async () => {
  store = await openTestStore();
  const clock = new ManualClock();
  for (const name of ['Harbour General', 'Hill Clinic', 'Bay Hospital']) {
    await ensureOrganization(store.db, clock, name);
  }
});
afterAll(async () => store?.close());

describe('statements compiled once', () => {
  it('runs with each set of values in turn', async () => {
    const compiled = store.db
      .selectFrom('organizations')
      .select('name')
      .where('name', 'like', placeholder<string>('pattern'))
      .orderBy('name')
      .compile();
    const names = async (pattern: string) =>
      (await store.db.executeQuery(withValues(compiled, { pattern }))).rows.map((r) => r.name);
    expect(await names('H%')).toEqual(['Harbour General', 'Hill Clinic']);
    expect(await names('B%')).toEqual(['Bay Hospital']);
    expect(await names('Nowhere%')).toEqual([]);
  });

  it('refuses to run with a value missing, naming it', () => {
    const compiled = store.db
      .selectFrom('organizations')
      .select('name')
      .where('name', '=', placeholder<string>('name'))
      .compile();
    expect(() => withValues(compiled, {})).toThrow('no value for name');
  });
});
