import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AccountSearchQuerySchema,
  type AccountSearchResult,
} from '../../common/api/account-search.ts';
import { ManualClock } from '../../service/clock.ts';
import { loadConfig } from '../../service/config.ts';
import type { ServiceContext } from '../../service/context.ts';
import { searchAccounts } from '../../service/search/account-search.ts';
import { AccountSearcher, type SearchIndexOptions } from '../../service/search/index.ts';
import { compareKeys } from '../../service/search/memory/sorted-lists.ts';
import { pruneFeed } from '../../service/search/store-reads.ts';
import { openService } from '../../service/server.ts';
import { openStore, type Store } from '../../service/store/database.ts';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { openTestStore } from '../support/store.ts';

// How the in-memory index stays in step with the store (migration 006's feed): changes made
// by another connection or process, a feed pruned before it was read, too many changes at
// once, and a store too large to index before the first search. The search semantics are
// search-index.test.ts's.

type TestStore = Awaited<ReturnType<typeof openTestStore>>;

const clock = new ManualClock();
let store: TestStore;
let ctx: ServiceContext;
/** A second connection to the same store, as another service process would have. */
let other: Store;
let orgId: string;
const searchers: AccountSearcher[] = [];

function searcherOn(s: Store, options: Partial<SearchIndexOptions> = {}): AccountSearcher {
  const searcher = new AccountSearcher(s.plannedDb, s.dialect, clock, 'memory', options);
  searchers.push(searcher);
  return searcher;
}

const query = (q: string, extra: Record<string, unknown> = {}) =>
  AccountSearchQuerySchema.parse({ q, limit: 50, ...extra });

const usernames = (r: AccountSearchResult) => r.items.map((i) => i.username);

/** The store's own answer: what the index must agree with. */
const fromStore = (q: string, extra: Record<string, unknown> = {}) =>
  searchAccounts(store.plannedDb, store.dialect, clock, query(q, extra), { organizationIds: null });

beforeAll(async () => {
  store = await openTestStore();
  const config = loadConfig({
    DATA_DIR: store.dataDir,
    ...(store.databaseUrl ? { DATABASE_URL: store.databaseUrl } : {}),
  });
  ({ ctx } = await openService(config, { store, clock }));
  other = await openStore(
    store.databaseUrl ?? `sqlite:${path.join(store.dataDir, 'latchkey.sqlite')}`,
    store.dataDir,
  );
  orgId = await seedOrganization(ctx, 'Harbour General');
  for (const name of ['amelia.stone', 'amos.hart', 'beatrix.amend', 'carl.ames']) {
    await seedAccount(ctx, { organizationId: orgId, username: name, password: null });
  }
});

afterAll(async () => {
  for (const searcher of searchers) await searcher.close();
  await ctx?.search.close();
  await other?.close();
  await store?.close();
});

describe('search index: in step with the store', () => {
  it('sees a change made by another connection in the very next search', async () => {
    const elsewhere = searcherOn(other);
    expect(usernames(await elsewhere.search(query('ame'), { organizationIds: null }))).toEqual([
      'amelia.stone',
      'beatrix.amend',
      'carl.ames',
    ]);
    expect(await elsewhere.settled()).toBe('ready');
    // Made through the first connection: a new account, a rename, a lock.
    await seedAccount(ctx, { organizationId: orgId, username: 'ameera.k', password: null });
    await store.db
      .updateTable('accounts')
      .set({ username: 'carl.hames', username_key: 'carl.hames' })
      .where('username_key', '=', 'carl.ames')
      .execute();
    await store.db
      .updateTable('accounts')
      .set({ locked_at: clock.now(), locked_until: null })
      .where('username_key', '=', 'amos.hart')
      .execute();
    const after = await elsewhere.search(query('ame'), { organizationIds: null });
    expect(usernames(after)).toEqual(['ameera.k', 'amelia.stone', 'beatrix.amend', 'carl.hames']);
    expect(after).toEqual(await fromStore('ame'));
    const locked = await elsewhere.search(query('', { filter: 'locked' }), {
      organizationIds: null,
    });
    expect(usernames(locked)).toEqual(['amos.hart']);
    expect(elsewhere.answered.store).toBe(0);
  });

  it('checks the feed itself with every search, also just after a catch-up moved its position', async () => {
    const searcher = searcherOn(other);
    const scope = { organizationIds: null };
    expect(usernames(await searcher.search(query('amund'), scope))).toEqual([]);
    await seedAccount(ctx, { organizationId: orgId, username: 'amund.berg', password: null });
    // The search catches up (the index moves past its position)...
    expect(usernames(await searcher.search(query('amund'), scope))).toEqual(['amund.berg']);
    await store.db
      .updateTable('accounts')
      .set({ username: 'amund.borg', username_key: 'amund.borg' })
      .where('username_key', '=', 'amund.berg')
      .execute();
    // ...and the very next search, long before the poll, still sees a change from elsewhere.
    expect(usernames(await searcher.search(query('amund'), scope))).toEqual(['amund.borg']);
    await store.db
      .updateTable('accounts')
      .set({ username: 'edmund.borg', username_key: 'edmund.borg' })
      .where('username_key', '=', 'amund.borg')
      .execute();
    // (Still found by its email and name, amund.berg: the rename is what must show.)
    const again = await searcher.search(query('amund'), scope);
    expect(usernames(again)).toEqual(['edmund.borg']);
    expect(again).toEqual(await fromStore('amund'));
    expect(searcher.answered).toEqual({ index: 4, store: 0 });
  });

  it('rebuilds when struck off the feed and its unread rows deleted, and answers right', async () => {
    const logged: string[] = [];
    const searcher = searcherOn(store, { log: (message) => logged.push(message) });
    await searcher.search(query('amelia'), { organizationIds: null });
    await store.db
      .updateTable('accounts')
      .set({ username: 'zelda.stone', username_key: 'zelda.stone' })
      .set({ email: 'zelda@example.org', email_key: 'zelda@example.org' })
      .where('username_key', '=', 'amelia.stone')
      .execute();
    // Struck off the feed's readers (as when it has not read the feed for some minutes) and
    // the rows it had not read deleted.
    await sql`delete from search_readers`.execute(store.db);
    await pruneFeed(store.db, store.dialect, 60_000);
    const result = await searcher.search(query('ame'), { organizationIds: null });
    expect(usernames(result)).not.toContain('amelia.stone');
    expect(result).toEqual(await fromStore('ame'));
    expect(logged.some((m) => m.startsWith('search index: rebuilding'))).toBe(true);
    expect(searcher.answered.store).toBe(0);
  });

  it('keeps its index when the feed rows deleted are ones it had read', async () => {
    const logged: string[] = [];
    const searcher = searcherOn(store, { log: (message) => logged.push(message) });
    await seedAccount(ctx, { organizationId: orgId, username: 'amara.quist', password: null });
    await searcher.search(query('amara'), { organizationIds: null });
    await pruneFeed(store.db, store.dialect, 60_000);
    const result = await searcher.search(query('amara'), { organizationIds: null });
    expect(usernames(result)).toEqual(['amara.quist']);
    expect(logged.filter((m) => m.startsWith('search index: rebuilding'))).toEqual([]);
    expect(searcher.answered).toEqual({ index: 2, store: 0 });
  });

  it('rebuilds rather than apply more changes than maxChanges one by one', async () => {
    const logged: string[] = [];
    const searcher = searcherOn(store, { maxChanges: 3, log: (message) => logged.push(message) });
    await searcher.search(query('amy'), { organizationIds: null });
    for (let i = 0; i < 5; i += 1) {
      await seedAccount(ctx, { organizationId: orgId, username: `amy.reed${i}`, password: null });
    }
    const result = await searcher.search(query('amy'), { organizationIds: null });
    expect(usernames(result)).toEqual([0, 1, 2, 3, 4].map((i) => `amy.reed${i}`));
    expect(logged.some((m) => m.startsWith('search index: rebuilding'))).toBe(true);
  });

  it('answers from the store while a large index builds, then from the index', async () => {
    const searcher = searcherOn(store, { buildInlineUpTo: 2 });
    const first = await searcher.search(query('am'), { organizationIds: null });
    expect(searcher.answered).toEqual({ index: 0, store: 1 });
    expect(await searcher.settled()).toBe('ready');
    const second = await searcher.search(query('am'), { organizationIds: null });
    expect(searcher.answered).toEqual({ index: 1, store: 1 });
    expect(second).toEqual(first);
  });

  it('pages with a cursor from either side alike', async () => {
    const small = { limit: 2 };
    const byStore = await fromStore('am', small);
    const searcher = searcherOn(store);
    const next = await searcher.search(query('am', { ...small, cursor: byStore.nextCursor }), {
      organizationIds: null,
    });
    expect(next).toEqual(await fromStore('am', { ...small, cursor: byStore.nextCursor }));
    expect(next.items.length).toBe(2);
  });
});

describe('search index: username_key order', () => {
  it('compares as code points, as SQLite BINARY and PostgreSQL "C" do', () => {
    const alphabet = ['a', 'z', '\u00e9', '\uffef', '\ue000', '\u{1f600}', '\u{10400}', '.'];
    // Every string of one to three of these.
    let strings = [''];
    const all: string[] = [];
    for (let length = 1; length <= 3; length += 1) {
      strings = strings.flatMap((s) => alphabet.map((c) => s + c));
      all.push(...strings);
    }
    strings = all.reverse();
    const byCodePoints = (a: string, b: string) => {
      const x = [...a].map((c) => c.codePointAt(0) ?? 0);
      const y = [...b].map((c) => c.codePointAt(0) ?? 0);
      for (let i = 0; i < Math.min(x.length, y.length); i += 1) {
        if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
      }
      return x.length - y.length;
    };
    const expected = [...strings].sort(byCodePoints);
    expect([...strings].sort(compareKeys)).toEqual(expected);
    // JavaScript's own order differs here: an astral character before U+E000…U+FFFF.
    expect([...strings].sort()).not.toEqual(expected);
  });
});
