import { accountSearchSuite } from '../support/account-search-suite.ts';

// The in-memory index (service/domain/search-index): the same tests and oracle as the store's
// search, including renames, organization renames and deletes, which reach it by the feed.
accountSearchSuite('memory');
