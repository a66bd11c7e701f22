import { useCallback, useEffect, useLayoutEffect, useMemo, useRef } from 'react';
import type { Connection } from '../../../common/ipc/contract.ts';
import { formatCount } from '../../format/time.ts';
import { accountKeys, useAccountSearch, type SearchPage } from '../../queries/accounts.ts';
import { useConnectionStore } from '../../state/connection-store.ts';
import { useSearchStore } from '../../state/search-store.ts';
import { useSelectionStore } from '../../state/selection-store.ts';
import { ConnectionBadge } from '../../ui/ConnectionBadge.tsx';
import { ErrorNotice } from '../../ui/ErrorNotice.tsx';
import { FilterBar } from './FilterBar.tsx';
import { ResultList } from './ResultList.tsx';
import { searchRendered } from '../../perf/search-timing.ts';
import { useDebouncedValue } from './use-debounced-value.ts';

/** Results while typing, after the agent pauses this long (ms). */
export const SEARCH_DEBOUNCE_MS = 120;
const RESULTS_ID = 'search-results';

/** The connections a search runs on: the active one, or every signed-in one. */
function useSearchConnections(connections: Connection[]): Connection[] {
  const { activeId, scope } = useConnectionStore();
  const signedIn = connections.filter((c) => c.state === 'signed_in');
  if (scope === 'all') return signedIn;
  return signedIn.filter((c) => c.id === activeId);
}

function totalText(pages: SearchPage[] | undefined): string {
  const first = pages?.[0];
  if (!first) return '';
  const totals = Object.values(first.totals);
  const total = totals.reduce((n, t) => n + t.total, 0);
  const capped = totals.some((t) => t.capped);
  if (total === 0) return 'No account matches';
  return capped
    ? `More than ${formatCount(total)} accounts`
    : `${formatCount(total)} account${total === 1 ? '' : 's'}`;
}

/** The one search box, its filters and the virtual result list (SPEC §3 "Search"). */
export function SearchPane({ connections }: { connections: Connection[] }) {
  const { text, filters, focusRequest, setText } = useSearchStore();
  const scope = useConnectionStore((s) => s.scope);
  const setScope = useConnectionStore((s) => s.setScope);
  const { activeIndex, setActiveIndex, openAccount } = useSelectionStore();
  const inputRef = useRef<HTMLInputElement>(null);
  const targets = useSearchConnections(connections);
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
  const byId = useMemo(() => new Map(connections.map((c) => [c.id, c])), [connections]);
  const resetKey = JSON.stringify(params);

  useEffect(() => {
    inputRef.current?.focus();
  }, [focusRequest]);
  useEffect(() => setActiveIndex(0), [resetKey, setActiveIndex]);
  useLayoutEffect(() => {
    if (search.data && !search.isPlaceholderData) searchRendered(accountKeys.search(params));
  }, [search.data, search.isPlaceholderData, params]);

  const open = useCallback(
    (index: number, fromKeyboard = false) => {
      const row = rows[index];
      if (!row) return;
      setActiveIndex(index);
      openAccount({ connectionId: row.connectionId, accountId: row.id }, fromKeyboard);
    },
    [rows, setActiveIndex, openAccount],
  );
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = search;
  const more = useCallback(() => {
    if (hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);

  const onKeyDown = (event: React.KeyboardEvent<HTMLInputElement>) => {
    const step: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: 10, PageUp: -10 };
    const delta = step[event.key];
    if (delta !== undefined && rows.length > 0) {
      event.preventDefault();
      setActiveIndex(Math.max(0, Math.min(rows.length - 1, activeIndex + delta)));
    } else if (event.key === 'Enter') {
      event.preventDefault();
      open(activeIndex, true);
    } else if (event.key === 'Escape' && text !== '') {
      event.preventDefault();
      setText('');
    }
  };

  const errors = enabled ? (pages?.[0]?.errors ?? []) : [];
  const showConnection = targets.length > 1;
  const status = !enabled
    ? targets.length === 0
      ? 'Sign in to a connection to search.'
      : 'Type a username, email, name, phone or organization.'
    : search.isPending
      ? 'Searching…'
      : totalText(pages);

  return (
    <section className="pane search-pane" aria-labelledby="search-heading">
      <div className="pane-head">
        <h2 id="search-heading">Search</h2>
        <span className="scope">
          {targets.map((c) => (
            <ConnectionBadge key={c.id} connection={c} size="small" />
          ))}
        </span>
      </div>
      <label htmlFor="search-input" className="field-label">
        Search accounts <kbd>Ctrl</kbd>+<kbd>K</kbd>
      </label>
      <input
        ref={inputRef}
        id="search-input"
        type="search"
        role="combobox"
        autoComplete="off"
        spellCheck={false}
        aria-autocomplete="list"
        aria-controls={RESULTS_ID}
        aria-expanded={rows.length > 0}
        aria-activedescendant={rows.length > 0 ? `result-${activeIndex}` : undefined}
        aria-describedby="search-status"
        placeholder="Username, email, name, phone or organization"
        value={text}
        autoFocus
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
      />
      <FilterBar />
      <label className="checkbox">
        <input
          type="checkbox"
          checked={scope === 'all'}
          onChange={(event) => setScope(event.target.checked ? 'all' : 'active')}
        />
        Search every signed-in connection{' '}
        <span>
          <kbd>Ctrl</kbd>+<kbd>0</kbd>
        </span>
      </label>
      <p id="search-status" className="search-status" role="status">
        {status}
        {search.isFetching && !search.isPending && enabled ? ' · updating…' : ''}
      </p>
      {search.isError && enabled && (
        <ErrorNotice error={search.error} onRetry={() => void search.refetch()} />
      )}
      {errors.map((e) => (
        <div key={e.connectionId} className="notice notice-error" role="alert">
          <p className="notice-headline">
            Could not search {byId.get(e.connectionId)?.name ?? 'a connection'}
          </p>
          <p>{e.error}</p>
        </div>
      ))}
      {rows.length > 0 && (
        <ResultList
          id={RESULTS_ID}
          rows={rows}
          activeIndex={activeIndex}
          q={q}
          connections={showConnection ? byId : null}
          resetKey={resetKey}
          onOpen={open}
          onNearEnd={more}
        />
      )}
    </section>
  );
}
