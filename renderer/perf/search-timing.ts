/**
 * Timing of a search from the query leaving the renderer (after the debounce) to its results
 * painted, as `performance` entries named `search:painted` (the renderer benchmark reads them).
 */

let pending: { hash: string; start: number; q: string } | null = null;

const hashOf = (queryKey: readonly unknown[]) => JSON.stringify(queryKey);

function queryOf(queryKey: readonly unknown[]): string {
  const params = queryKey[2] as { q?: unknown } | undefined;
  return typeof params?.q === 'string' ? params.q : '';
}

/** The first page of a search is being asked for. */
export function searchSent(queryKey: readonly unknown[]): void {
  const start = performance.now();
  pending = { hash: hashOf(queryKey), start, q: queryOf(queryKey) };
  performance.mark('search:sent', { startTime: start, detail: { q: pending.q } });
}

/** The first page's answer came back over IPC (the rest of the time is React and the paint). */
export function searchAnswered(queryKey: readonly unknown[]): void {
  if (!pending || pending.hash !== hashOf(queryKey)) return;
  performance.measure('search:answered', {
    start: pending.start,
    end: performance.now(),
    detail: { q: pending.q },
  });
}

/** Call from a layout effect once the results of `queryKey` are in the DOM. */
export function searchRendered(queryKey: readonly unknown[]): void {
  const sent = pending;
  if (!sent || sent.hash !== hashOf(queryKey)) return;
  pending = null;
  performance.measure('search:committed', {
    start: sent.start,
    end: performance.now(),
    detail: { q: sent.q },
  });
  // rAF runs just before the frame that paints the new rows; a message posted from it is
  // handled just after that paint.
  requestAnimationFrame(() => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      performance.measure('search:painted', {
        start: sent.start,
        end: performance.now(),
        detail: { q: sent.q },
      });
      channel.port1.close();
    };
    channel.port2.postMessage(null);
  });
}
