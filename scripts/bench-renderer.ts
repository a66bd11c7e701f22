/**
 * The renderer benchmark (not a test): 100 searches against 100,000 accounts in real Chromium,
 * each timed from the query leaving the renderer (after the 120 ms debounce) to its results
 * painted — the renderer's own `search:painted` performance measures (a mark when the first
 * page is asked for, then requestAnimationFrame and a message after the commit). The path is
 * the whole of it: the built renderer, the real preload, main's real router and handlers, the
 * admin API over HTTP (the service in its own process) and the store's search. Target: p95 ≤ 50 ms.
 *
 *   npx tsx scripts/bench-renderer.ts [--n 100000] [--searches 100]
 *
 * Then the open account (issue 15): CHANGES changes written to the store (failed attempts), each
 * timed from the write to the open view showing it (checked every frame), at a random moment of
 * the poll's cycle; the polls' rate over that time; and one GET of the account view alone.
 *
 * SQLite in a temporary folder, or PostgreSQL when DATABASE_URL names it. Prints p50/p95 and
 * the renderer bundle's size (gzip).
 */
import { rmSync } from 'node:fs';
import { seedOrganization } from '../test/support/accounts.ts';
import { seedAdmin } from '../test/support/admin.ts';
import { browserPath, launchBrowser } from '../test/support/browser.ts';
import { buildBrowserPreload, buildRenderer } from '../test/support/console-build.ts';
import { openSignedIn } from '../test/support/console-e2e.ts';
import { startConsole } from '../test/support/console-harness.ts';
import { startTestService } from '../test/support/service.ts';
import { loadAccounts } from './bench-renderer/accounts.ts';
import { timeLiveView } from './bench-renderer/live-view.ts';
import { log } from './bench-renderer/log.ts';
import { report } from './bench-renderer/report.ts';
import {
  frameFloor,
  serviceAlone,
  timeSearch,
  type Timing,
} from './bench-renderer/search-timing.ts';
import { startServiceProcess } from './service-process.ts';

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const N = arg('n', 100_000);
const SEARCHES = arg('searches', 100);
const WARMUP = 10;
const CHANGES = arg('changes', 30);

async function main(): Promise<void> {
  if (!browserPath)
    throw new Error('No Chromium: apt-get install -y chromium (or set CHROMIUM_PATH).');
  const store = process.env.DATABASE_URL?.startsWith('postgres') ? 'PostgreSQL' : 'SQLite';
  log(`bench-renderer: ${N} accounts on ${store}, ${SEARCHES} searches (+${WARMUP} warm-up)`);
  const svc = await startTestService();
  const [queries, rendererDir, preloadScript] = await Promise.all([
    loadAccounts(svc, N, WARMUP + SEARCHES),
    buildRenderer(),
    buildBrowserPreload(),
  ]);
  // After the load: Chromium starting beside minutes of inserts can time out on a busy machine.
  const browser = await launchBrowser();
  const org = await seedOrganization(svc.ctx, 'Bench Health', { adminTotpExempt: true });
  await seedAdmin(svc.ctx, { organizationId: org, username: 'bench.admin', role: 'super_admin' });
  // The service in its own process, as deployed: the harness (Playwright, main's handlers)
  // and the service do not share an event loop. `svc` stays open only as the store's owner.
  const service = await startServiceProcess(svc);
  const h = await startConsole(browser, { rendererDir, preloadScript });
  try {
    await openSignedIn(h, service.url, { username: 'bench.admin' });
    // One pass of every query first, as scripts/bench-search.ts does: the service's per-process
    // caches (gram frequencies) are warm for both measured passes alike.
    await serviceAlone(service.url, queries);
    const runs: Timing[] = [];
    for (const [i, q] of queries.entries()) {
      const before = h.durations.length;
      const timing = await timeSearch(h.page, q);
      const inMain = h.durations.slice(before).find((d) => d.op === 'searchAccounts');
      if (i >= WARMUP) runs.push({ ...timing, main: inMain?.ms ?? NaN });
    }
    const alone = await serviceAlone(service.url, queries.slice(WARMUP));
    const floor = await frameFloor(h.page);
    const live = await timeLiveView(h, svc, service.url, CHANGES);
    console.log(report({ accounts: N, store, runs, alone, floor, live, rendererDir }));
  } finally {
    await h.close();
    await browser.close();
    await service.close();
    await svc.close();
    rmSync(rendererDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
