import { randomUUID } from 'node:crypto';
import type { AccountSearchQuery, AccountSearchResult } from '../../common/api/account-search.ts';
import type { Clock } from '../clock.ts';
import type { Db } from '../store/schema.ts';
import type { Dialect } from '../store/database.ts';
import { searchAccounts, type SearchScope } from './account-search.ts';
import { decodeCursor, searchResult, type Row } from './search-page.ts';
import { parseTerm } from './search-query.ts';
import { MemoryIndex } from './memory/memory-index.ts';
import {
  accountsById,
  allAccounts,
  feedPosition,
  pruneFeed,
  readFeed,
  readFeedState,
  registerReader,
  unregisterReader,
  type FeedState,
} from './store-reads.ts';

/*
 * Account search for the API: from the in-memory index (memory-index.ts) when it is built,
 * from the store (account-search.ts) otherwise — while a large index builds in the background,
 * or with SEARCH_INDEX=store.
 *
 * Never older than the store: with every search the index answers, one statement asks whether
 * the feed (migration 006) holds a change after the index's position, sent while the index
 * takes its rows, so a search costs that one round trip. If it does, the index
 * applies the changes (re-reading those accounts) and the search runs again; an index too far
 * behind (many changes, or struck off the feed's readers for not reading it) is rebuilt.
 */

export type SearchIndexMode = 'memory' | 'store';

export interface SearchIndexOptions {
  /** A store of at most this many accounts is indexed before the first search answers. */
  buildInlineUpTo: number;
  /** How often a built index reads the feed when no search does. */
  pollMs: number;
  /** A reader of the feed not seen for this long is struck off (see migration 006). */
  staleReaderMs: number;
  /** More changes than this at once: rebuild rather than apply them one by one. */
  maxChanges: number;
  log: (message: string, fields: Record<string, unknown>) => void;
}

const DEFAULTS: SearchIndexOptions = {
  buildInlineUpTo: 50_000,
  pollMs: 30_000,
  staleReaderMs: 10 * 60_000,
  maxChanges: 2000,
  log: () => {},
};

const RETRY_FAILED_BUILD_MS = 30_000;
const PRUNE_EVERY_MS = 60_000;

interface Ready {
  kind: 'ready';
  index: MemoryIndex;
  /** The feed position the index has applied (see store-reads.ts). */
  position: string;
  /** PostgreSQL: the transactions at or after `position` already applied. */
  applied: Set<string>;
}

type State =
  | { kind: 'none' }
  | { kind: 'building'; inline: boolean; done: Promise<void>; since: number }
  | { kind: 'failed'; at: number }
  | Ready;

/** What /healthz tells about the index: 'store' when the store answers searches. */
export type SearchIndexState = 'store' | 'building' | 'ready' | 'failed' | 'none';

export class AccountSearcher {
  private state: State = { kind: 'none' };
  private catchingUp: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private lastPrune = 0;
  private closed = false;
  private readonly options: SearchIndexOptions;
  /** This index's name among the feed's readers. */
  private readonly reader = randomUUID();
  /** Searches answered so far, by which side. */
  readonly answered = { index: 0, store: 0 };

  constructor(
    private readonly db: Db,
    private readonly dialect: Dialect,
    private readonly clock: Clock,
    readonly mode: SearchIndexMode,
    options: Partial<SearchIndexOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  get indexState(): SearchIndexState {
    return this.mode === 'store' ? 'store' : this.state.kind;
  }

  /** When the build under way began (the clock's time), or undefined when none is: readiness. */
  get buildingSince(): number | undefined {
    return this.state.kind === 'building' ? this.state.since : undefined;
  }

  /** Starts building the index now rather than at the first search (service start-up). */
  warm(): void {
    if (this.mode === 'memory' && this.state.kind === 'none') void this.startBuild(false);
  }

  /** Waits for a build under way (tests and benchmarks). */
  async settled(): Promise<SearchIndexState> {
    if (this.state.kind === 'building') await this.state.done;
    return this.indexState;
  }

  /** Where build and feed events are reported (the service's log). */
  logTo(log: SearchIndexOptions['log']): void {
    this.options.log = log;
  }

  /** Stops reading the feed and leaves its readers; the store must stay open until this ends. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    // Best effort: a reader left behind is struck off when it goes stale.
    await unregisterReader(this.db, this.reader).catch(() => {});
  }

  /** One page of accounts matching `query` within `scope`, never older than the store. */
  async search(query: AccountSearchQuery, scope: SearchScope): Promise<AccountSearchResult> {
    if (this.mode === 'memory') {
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const ready = await this.ready();
        if (!ready) break;
        const answer = await this.answer(ready, query, scope);
        if (answer) {
          this.answered.index += 1;
          return answer;
        }
        await this.catchUp();
      }
    }
    this.answered.store += 1;
    return searchAccounts(this.db, this.dialect, this.clock, query, scope);
  }

  /** The index when built; builds it first when the store is small. */
  private async ready(): Promise<Ready | null> {
    const state = this.state;
    if (state.kind === 'ready') return state;
    if (state.kind === 'building') {
      if (state.inline) await state.done;
    } else if (state.kind === 'none' || Date.now() - state.at > RETRY_FAILED_BUILD_MS) {
      const inline = await this.isSmall();
      if (this.state.kind === 'none' || this.state.kind === 'failed') {
        const done = this.startBuild(inline);
        if (inline) await done;
      } else if (this.state.kind === 'building' && this.state.inline) {
        await this.state.done;
      }
    }
    return this.state.kind === 'ready' ? this.state : null;
  }

  private async isSmall(): Promise<boolean> {
    const limit = this.options.buildInlineUpTo;
    const rows = await this.db
      .selectFrom((eb) =>
        eb
          .selectFrom('accounts')
          .select('id')
          .limit(limit + 1)
          .as('x'),
      )
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .execute();
    return Number(rows[0]?.n ?? 0) <= limit;
  }

  private startBuild(inline: boolean): Promise<void> {
    const since = this.clock.now();
    const done = this.build();
    this.state = { kind: 'building', inline, done, since };
    return done;
  }

  private async build(): Promise<void> {
    const started = performance.now();
    try {
      const position = await feedPosition(this.db, this.dialect);
      // Registered first, so no row after `position` is deleted before the index reads it.
      await registerReader(this.db, this.dialect, this.reader, position);
      const index = await MemoryIndex.build(
        allAccounts(this.db, this.dialect),
        () => new Promise((resolve) => setImmediate(resolve)),
      );
      if (this.closed) return;
      this.state = { kind: 'ready', index, position, applied: new Set() };
      this.options.log('search index built', {
        accounts: index.size,
        ms: Math.round(performance.now() - started),
      });
      this.startPolling();
      await this.catchUp();
    } catch (error) {
      this.state = { kind: 'failed', at: Date.now() };
      this.options.log('search index build failed: the store answers searches', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  private startPolling(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.catchUp().catch((error: unknown) =>
        this.options.log('search index: reading the change feed failed', {
          error: error instanceof Error ? error.message : String(error),
        }),
      );
    }, this.options.pollMs);
    this.timer.unref();
  }

  /** One search from the index, or null when the store has changed since its position. */
  private async answer(
    ready: Ready,
    query: AccountSearchQuery,
    scope: SearchScope,
  ): Promise<AccountSearchResult | null> {
    // Taken together, before any await: the rows below are the index as of this position.
    const { index, position, applied } = ready;
    const now = this.clock.now();
    // One statement, asked while the rows are taken (the index cannot change meanwhile): if
    // nothing followed the position when the store answered, the rows were current then.
    const feedState = readFeedState(this.db, this.dialect, this.reader, position);
    feedState.catch(() => {}); // awaited below, unless taking the rows throws first
    const q = {
      term: parseTerm(query.q),
      filters: query.filter,
      organization: query.organization,
      organizationIds: scope.organizationIds,
      now,
    };
    const want = query.limit + 1;
    let rows: Row[];
    let total: number;
    let suggestions: string[] = [];
    if (query.cursor === undefined) {
      ({ rows, total } = index.firstPage(q, want));
      // Only a miss pays for suggestions: a search with results costs what it did.
      if (total === 0) suggestions = index.suggest(q);
    } else {
      const cursor = decodeCursor(query.cursor);
      total = cursor.n;
      rows = index.after(q, { tier: cursor.t, key: cursor.k }, want);
    }
    if (this.isStale(await feedState, applied)) return null;
    const result = searchResult(rows, total, query.limit, now);
    return suggestions.length > 0 ? { ...result, suggestions } : result;
  }

  private isStale(state: FeedState, applied: Set<string>): boolean {
    if (!state.registered) return true;
    return typeof state.newer === 'boolean'
      ? state.newer
      : state.newer.some((token) => !applied.has(token));
  }

  /** Applies the feed's changes, one catch-up at a time so they apply in order. */
  private catchUp(): Promise<void> {
    const run = this.catchingUp.then(() => this.catchUpNow());
    this.catchingUp = run.catch(() => {});
    return run;
  }

  private async catchUpNow(): Promise<void> {
    const ready = this.state;
    if (ready.kind !== 'ready' || this.closed) return;
    const { maxChanges } = this.options;
    const feed = await readFeed(this.db, this.dialect, this.reader, ready.position, maxChanges + 1);
    if (!feed.registered || feed.changes.length > maxChanges) {
      this.options.log('search index: rebuilding (it fell too far behind the store)', {
        changes: feed.changes.length,
        registered: feed.registered,
      });
      this.state = { kind: 'none' };
      return;
    }
    const ids = [
      ...new Set(feed.changes.filter((c) => !ready.applied.has(c.token)).map((c) => c.accountId)),
    ];
    if (ids.length > 0) {
      const accounts = await accountsById(this.db, this.dialect, ids);
      if (this.state !== ready) return;
      const found = new Set(accounts.map((a) => a.id));
      ready.index.apply(
        accounts,
        ids.filter((id) => !found.has(id)),
      );
    }
    const applied = new Set<string>();
    if (this.dialect === 'postgres') {
      const from = BigInt(feed.position);
      for (const token of [...ready.applied, ...feed.changes.map((c) => c.token)]) {
        if (BigInt(token) >= from) applied.add(token);
      }
    }
    ready.position = feed.position;
    ready.applied = applied;
    await registerReader(this.db, this.dialect, this.reader, feed.position);
    if (Date.now() - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = Date.now();
      await pruneFeed(this.db, this.dialect, this.options.staleReaderMs);
    }
  }
}
