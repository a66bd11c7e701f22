import type { SearchFilter } from '../../../common/api/account-search.ts';

/** The filters of SPEC §3 in the order shown, with their labels; the Record keeps it exhaustive. */
export const FILTER_LABELS: Record<SearchFilter, string> = {
  locked: 'Locked',
  no_question: 'No security question',
  shared: 'Shared login',
  must_change: 'Must change password',
  disabled: 'Disabled',
};

export const FILTERS = Object.keys(FILTER_LABELS) as SearchFilter[];
