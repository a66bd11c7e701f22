import { accountSearchSuite } from '../support/account-search-suite.ts';

// The store's own search (service/search/account-search.ts): SQL over search_grams.
accountSearchSuite('store');
