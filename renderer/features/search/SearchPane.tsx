import { useCallback, useEffect, useMemo } from 'react';
import type { Connection } from '../../../common/ipc/contract.ts';
import { useConnectionStore } from '../../state/connection-store.ts';
import { useSearchStore } from '../../state/search-store.ts';
import { useSelectionStore } from '../../state/selection-store.ts';
import { ConnectionBadge } from '../../ui/ConnectionBadge.tsx';
import { ErrorNotice } from '../../ui/ErrorNotice.tsx';
import { FilterBar } from './FilterBar.tsx';
import { ResultList } from './ResultList.tsx';
import { SearchBox } from './SearchBox.tsx';
import { SuggestionList } from './SuggestionList.tsx';
import { useSearchConnections, useSearchResults } from './use-search-results.ts';

const RESULTS_ID = 'search-results';

function ScopeToggle() {
  const scope = useConnectionStore((s) => s.scope);
  const setScope = useConnectionStore((s) => s.setScope);
  return (
    <label className="checkbox">
      <input
        type="checkbox"
        checked={scope === 'all'}
        onChange={(event) => setScope(event.target.checked ? 'all' : 'active')}
      />
      Search every signed-in connection{' '}
      <span>
        <kbd>Ctrl</kbd>+<kbd>Shift</kbd>+<kbd>A</kbd>
      </span>
    </label>
  );
}

/** The one search box, its filters and the virtual result list (SPEC §3 "Search"). */
export function SearchPane({ connections }: { connections: Connection[] }) {
  const { activeIndex, setActiveIndex, openAccount } = useSelectionStore();
  const targets = useSearchConnections(connections);
  const results = useSearchResults(targets);
  const { rows, resetKey } = results;
  const setText = useSearchStore((s) => s.setText);
  const requestFocus = useSearchStore((s) => s.requestFocus);
  // The button goes when its search answers: the focus goes back to the box, not to nowhere.
  const searchFor = useCallback(
    (username: string) => {
      setText(username);
      requestFocus();
    },
    [setText, requestFocus],
  );
  const byId = useMemo(() => new Map(connections.map((c) => [c.id, c])), [connections]);

  useEffect(() => setActiveIndex(0), [resetKey, setActiveIndex]);
  const open = useCallback(
    (index: number, fromKeyboard = false) => {
      const row = rows[index];
      if (!row) return;
      setActiveIndex(index);
      openAccount({ connectionId: row.connectionId, accountId: row.id }, fromKeyboard);
    },
    [rows, setActiveIndex, openAccount],
  );

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
      <SearchBox
        resultsId={RESULTS_ID}
        count={rows.length}
        activeIndex={activeIndex}
        onMove={setActiveIndex}
        onOpen={(index) => open(index, true)}
        suggestion={results.suggestions[0]}
      />
      <FilterBar />
      <ScopeToggle />
      <p id="search-status" className="search-status" role="status">
        {results.status}
      </p>
      <SuggestionList suggestions={results.suggestions} onPick={searchFor} />
      {results.error !== null && <ErrorNotice error={results.error} onRetry={results.retry} />}
      {results.connectionErrors.map((e) => (
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
          q={results.q}
          connections={targets.length > 1 ? byId : null}
          resetKey={resetKey}
          onOpen={open}
          onNearEnd={results.more}
        />
      )}
    </section>
  );
}
