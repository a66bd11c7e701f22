import type { Page } from 'playwright-core';
import { ApiClient } from '../../test/support/admin.ts';

// One search as the renderer times it, the floor of a painted frame, and the same searches
// straight to the service.

/** The renderer's first page (renderer/queries/accounts.ts, SEARCH_FIRST_PAGE). */
const SEARCH_FIRST_PAGE = 50;

export interface Timing {
  /** Query sent → results painted. */
  painted: number;
  /** Query sent → answer back over IPC. */
  answered: number;
  /** Query sent → React committed the rows. */
  committed: number;
  rows: number;
  /** Inside main: router, handler, HTTP to the service and back. */
  main?: number;
}

/** Types one query and waits for the renderer's measures of it. */
export async function timeSearch(page: Page, q: string): Promise<Timing> {
  await page.evaluate(() => performance.clearMeasures());
  await page.getByRole('combobox', { name: /Search accounts/ }).fill(q);
  // No named functions inside: tsx would wrap them in a helper the page does not have.
  const handle = await page.waitForFunction(
    (query) => {
      const found: Record<string, number> = {};
      for (const m of performance.getEntriesByType('measure') as PerformanceMeasure[])
        if (m.detail?.q === query) found[m.name] = m.duration;
      const painted = found['search:painted'];
      const answered = found['search:answered'];
      const committed = found['search:committed'];
      return painted !== undefined && answered !== undefined && committed !== undefined
        ? [painted, answered, committed]
        : null;
    },
    q,
    { timeout: 15_000, polling: 20 },
  );
  const [painted, answered, committed] = (await handle.jsonValue()) as [number, number, number];
  const rows = await page.getByRole('option').count();
  return { painted, answered, committed, rows };
}

/**
 * The floor of "to the next frame, painted" on this machine: a one-word change to a small box
 * in the same page, measured the same way (rAF, then a message after the paint).
 */
export async function frameFloor(page: Page): Promise<number[]> {
  return page.evaluate(async () => {
    const box = document.body.appendChild(document.createElement('div'));
    box.style.position = 'fixed';
    const out: number[] = [];
    for (let i = 0; i < 60; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 37));
      const started = performance.now();
      box.textContent = String(i);
      await new Promise<void>((resolve) =>
        requestAnimationFrame(() => {
          const channel = new MessageChannel();
          channel.port1.onmessage = () => resolve();
          channel.port2.postMessage(null);
        }),
      );
      out.push(performance.now() - started);
    }
    box.remove();
    return out.sort((a, b) => a - b);
  });
}

/** The same searches sent by a plain HTTP client (first page, same size): what the service alone takes. */
export async function serviceAlone(
  url: string,
  queries: string[],
): Promise<Array<{ q: string; ms: number }>> {
  const api = new ApiClient(url);
  await api.signIn('bench.admin');
  const times: Array<{ q: string; ms: number }> = [];
  for (const q of queries) {
    const started = performance.now();
    const response = await api.get(
      `/api/v1/accounts?limit=${SEARCH_FIRST_PAGE}&q=${encodeURIComponent(q)}`,
    );
    if (response.status !== 200) throw new Error(`search "${q}" answered ${response.status}`);
    times.push({ q, ms: performance.now() - started });
  }
  return times.sort((a, b) => a.ms - b.ms);
}
