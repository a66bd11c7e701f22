/*
 * Account search, the one entry the rest of the service imports. The searcher answers
 * `search(query, scope)` from the in-memory index when it is built and from the store's own
 * search otherwise, and checks the store's change feed itself, so it is never older than the
 * store. `warm`, `settled`, `close` and `indexState` are for start-up, health and shut-down.
 */

export {
  AccountSearcher,
  type SearchIndexMode,
  type SearchIndexOptions,
  type SearchIndexState,
} from './account-searcher.ts';
export { searchAccounts, type SearchScope } from './account-search.ts';
export { InvalidCursor } from './search-page.ts';
// For a bulk load (the benchmarks): the search table's triggers off, then the table rebuilt.
export {
  createSearchTriggers,
  dropSearchTriggers,
  rebuildSearchIndex,
} from './search-grams-sql.ts';
