import type { Clock } from './clock.ts';
import type { Config } from './config.ts';
import type { Hasher } from './domain/passwords.ts';
import type { AccountSearcher } from './search/index.ts';
import type { Db } from './store/schema.ts';
import type { Dialect } from './store/database.ts';

/** What domain functions need from the outside world; tests supply their own clock and hasher. */
export interface ServiceContext {
  db: Db;
  /**
   * The store's `plannedDb`: for the account search, the bearer-token lookup and the sign-in
   * path (its per-address limit, lookup, reservation and settling): statements whose best plan
   * does not depend on their values, prepared once per connection on PostgreSQL.
   */
  plannedDb: Db;
  dialect: Dialect;
  /** The account search (in-memory index, or the store's while it builds). */
  search: AccountSearcher;
  clock: Clock;
  hasher: Hasher;
  config: Config;
  /**
   * Called after a transaction that queued mail (or back-channel logouts) commits, so the
   * dispatchers need not wait to poll.
   */
  mailQueued(): void;
}
