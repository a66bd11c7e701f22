import type { Connection } from '../../../common/ipc/contract.ts';
import type { ResultRow as Row } from '../../queries/accounts.ts';
import { useVirtualRows } from '../../ui/use-virtual-rows.ts';
import { ResultRow, ROW_HEIGHT } from './ResultRow.tsx';

/** Rows rendered above and below the visible ones, so fast scrolling shows no gaps. */
const OVERSCAN = 6;
/** Ask for the next page when the visible rows come this close to the end. */
const PREFETCH_ROWS = 40;

interface Props {
  id: string;
  rows: Row[];
  activeIndex: number;
  q: string;
  connections: Map<string, Connection> | null;
  /** Changes when a new search starts: the list scrolls back to the top. */
  resetKey: string;
  onOpen(index: number): void;
  onNearEnd(): void;
}

/**
 * A listbox that renders only the rows in view (thousands of results, no jank, no dependency).
 * The search box keeps the focus and points at the active row with aria-activedescendant, so
 * the active row is always rendered.
 */
export function ResultList(props: Props) {
  const { rows, activeIndex, resetKey, onNearEnd } = props;
  const { ref, indices, onScroll } = useVirtualRows({
    count: rows.length,
    rowHeight: ROW_HEIGHT,
    activeIndex,
    resetKey,
    overscan: OVERSCAN,
    prefetchRows: PREFETCH_ROWS,
    onNearEnd,
  });

  return (
    <div
      ref={ref}
      id={props.id}
      className="results"
      role="listbox"
      aria-label="Results"
      tabIndex={-1}
      onScroll={onScroll}
    >
      <div
        role="presentation"
        style={{ height: rows.length * ROW_HEIGHT }}
        className="results-spacer"
      >
        {indices.map((i) => {
          const row = rows[i];
          if (!row) return null;
          return (
            <ResultRow
              key={row.key}
              row={row}
              index={i}
              setSize={rows.length}
              active={i === activeIndex}
              q={props.q}
              connection={props.connections?.get(row.connectionId)}
              onOpen={props.onOpen}
            />
          );
        })}
      </div>
    </div>
  );
}
