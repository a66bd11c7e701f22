import { useCallback, useLayoutEffect, useMemo } from 'react';
import type { Connection } from '../../../common/ipc/contract.ts';
import { formatCount } from '../../format/time.ts';
import { searchRendered } from '../../perf/search-timing.ts';
import { accountKeys, useAccountSearch, type SearchPage } from '../../queries/accounts.ts';
import { useConnectionStore } from '../../state/connection-store.ts';
import { useSearchStore } from '../../state/search-store.ts';
import { useDebouncedValue } from './use-debounced-value.ts';

/** Results while typing, after the agent pauses this long (ms). */
export const SEARCH_DEBOUNCE_MS = 120;

/** The connections a search runs on: the active one, or every signed-in one. */
export function useSearchConnections(connections: Connection[]): Connection[] {
  const activeId = useConnectionStore((s) => s.activeId);
  const scope = useConnectionStore((s) => s.scope);
  const signedIn = connections.filter((c) => c.state === 'signed_in');
  return scope === 'all' ? signedIn : signedIn.filter((c) => c.id === activeId);
}

/** "1 account", "More than 1,000 accounts", "No account matches". */
function totalText(pages: SearchPage[] | undefined): string {
  const totals = Object.values(pages?.[0]?.totals ?? {});
  const total = totals.reduce((n, t) => n + t.total, 0);
  if (!pages?.[0]) return '';
  if (total === 0) return 'No account matches';
  if (totals.some((t) => t.capped)) return `More than ${formatCount(total)} accounts`;
  return `${formatCount(total)} account${total === 1 ? '' : 's'}`;
}

/**
 * The search the box asks for: debounced text, filters and connections become one query whose
 * pages load as the list nears its end; the previous results stay while the next arrive.
 */
export function useSearchResults(targets: Connection[]) {
  const text = useSearchStore((s) => s.text);
  const filters = useSearchStore((s) => s.filters);
  const q = useDebouncedValue(text.trim(), SEARCH_DEBOUNCE_MS);
  // The ids as one string: a new list of the same connections is the same search.
  const ids = JSON.stringify(targets.map((c) => c.id));
  const params = useMemo(
    () => ({ connectionIds: JSON.parse(ids) as string[], q, filter: [...filters].sort() }),
    [ids, q, filters],
  );
  const enabled = params.connectionIds.length > 0 && (q !== '' || filters.length > 0);
  const search = useAccountSearch(params, enabled);
  const pages = enabled ? search.data?.pages : undefined;
  const rows = useMemo(() => pages?.flatMap((p) => p.rows) ?? [], [pages]);

  useLayoutEffect(() => {
    if (search.data && !search.isPlaceholderData) searchRendered(accountKeys.search(params));
  }, [search.data, search.isPlaceholderData, params]);

  const { hasNextPage, isFetchingNextPage, fetchNextPage } = search;
  const more = useCallback(() => {
    if (hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);

  const status = !enabled
    ? targets.length === 0
      ? 'Sign in to a connection to search.'
      : 'Type a username, email, name, phone or organization.'
    : search.isPending
      ? 'Searching…'
      : `${totalText(pages)}${search.isFetching ? ' · updating…' : ''}`;

  return {
    q,
    rows,
    more,
    status,
    resetKey: JSON.stringify(params),
    error: enabled && search.isError ? search.error : null,
    retry: () => void search.refetch(),
    connectionErrors: enabled ? (pages?.[0]?.errors ?? []) : [],
    /** Only for the search shown: Enter must not take a suggestion for the text before. */
    suggestions:
      enabled && rows.length === 0 && !search.isPlaceholderData
        ? (pages?.[0]?.suggestions ?? [])
        : [],
  };
}
