import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { Connection } from '../../../common/ipc/contract.ts';
import type { ResultRow as Row } from '../../queries/accounts.ts';
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

/** The rows [first, last) that cover the viewport, plus overscan. */
function windowOf(scrollTop: number, height: number, count: number) {
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(count, Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
  return { first, last };
}

/** Keeps the viewport's height in state. */
function useViewportHeight(ref: React.RefObject<HTMLDivElement | null>): number {
  const [height, setHeight] = useState(600);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return undefined;
    setHeight(el.clientHeight || 600);
    const observer = new ResizeObserver(() => setHeight(el.clientHeight || 600));
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return height;
}

/**
 * A listbox that renders only the rows in view (thousands of results, no jank, no dependency).
 * The search box keeps the focus and points at the active row with aria-activedescendant, so
 * the active row is always rendered.
 */
export function ResultList(props: Props) {
  const { rows, activeIndex, resetKey, onNearEnd } = props;
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const height = useViewportHeight(ref);

  useLayoutEffect(() => {
    if (ref.current) ref.current.scrollTop = 0;
    setScrollTop(0);
  }, [resetKey]);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const top = activeIndex * ROW_HEIGHT;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW_HEIGHT > el.scrollTop + el.clientHeight)
      el.scrollTop = top + ROW_HEIGHT - el.clientHeight;
  }, [activeIndex]);

  const { first, last } = windowOf(scrollTop, height, rows.length);
  useEffect(() => {
    if (last >= rows.length - PREFETCH_ROWS) onNearEnd();
  }, [last, rows.length, onNearEnd]);

  const indices: number[] = [];
  if (activeIndex < first && activeIndex < rows.length) indices.push(activeIndex);
  for (let i = first; i < last; i += 1) indices.push(i);
  if (activeIndex >= last && activeIndex < rows.length) indices.push(activeIndex);

  return (
    <div
      ref={ref}
      id={props.id}
      className="results"
      role="listbox"
      aria-label="Results"
      tabIndex={-1}
      onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
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
