import { useEffect, useLayoutEffect, useRef, useState, type RefObject } from 'react';

interface VirtualRowsOptions {
  count: number;
  rowHeight: number;
  activeIndex: number;
  /** Changes when a new list starts: it scrolls back to the top. */
  resetKey: string;
  /** Rows rendered beyond the viewport, so fast scrolling shows no gaps. */
  overscan: number;
  /** `onNearEnd` runs when the rows in view come this close to the end of those loaded. */
  prefetchRows: number;
  onNearEnd(): void;
}

/** Keeps the viewport's height in state. */
function useViewportHeight(ref: RefObject<HTMLDivElement | null>): number {
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
 * A virtual list's window: the indices of the rows to render (those in view plus overscan, and
 * the active row, which aria-activedescendant points at, wherever it is), the active row kept
 * in view, and the next page asked for near the end. The list sets `ref` and `onScroll`.
 */
export function useVirtualRows(o: VirtualRowsOptions) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const height = useViewportHeight(ref);
  const { count, rowHeight, activeIndex, onNearEnd } = o;

  useLayoutEffect(() => {
    if (ref.current) ref.current.scrollTop = 0;
    setScrollTop(0);
  }, [o.resetKey]);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const top = activeIndex * rowHeight;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + rowHeight > el.scrollTop + el.clientHeight)
      el.scrollTop = top + rowHeight - el.clientHeight;
  }, [activeIndex, rowHeight]);

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - o.overscan);
  const last = Math.min(count, Math.ceil((scrollTop + height) / rowHeight) + o.overscan);
  useEffect(() => {
    if (last >= count - o.prefetchRows) onNearEnd();
  }, [last, count, o.prefetchRows, onNearEnd]);

  const indices: number[] = [];
  if (activeIndex < first && activeIndex < count) indices.push(activeIndex);
  for (let i = first; i < last; i += 1) indices.push(i);
  if (activeIndex >= last && activeIndex < count) indices.push(activeIndex);

  const onScroll = (event: { currentTarget: HTMLDivElement }) =>
    setScrollTop(event.currentTarget.scrollTop);
  return { ref, indices, onScroll };
}
