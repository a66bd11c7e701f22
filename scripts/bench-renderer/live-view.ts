import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ApiClient } from '../../test/support/admin.ts';
import { openAccount } from '../../test/support/console-e2e.ts';
import type { ConsoleHarness } from '../../test/support/console-harness.ts';
import type { Service } from './accounts.ts';

// The open account (issue 15): changes written to the store, each timed from the write to the
// open view showing it; the polls' rate over that time; one GET of the account view alone.

/** What keeping the open account current costs and how soon a change shows. */
export interface LiveView {
  /** Store write → the open view showing it, ms, sorted. */
  shown: number[];
  /** getAccount calls per minute while the view was open. */
  perMinute: number;
  /** getAccount inside main (router, client, HTTP), ms, sorted. */
  inMain: number[];
  /** One GET of the account view straight to the service, ms, sorted. */
  alone: number[];
}

/**
 * Opens one account and changes its failed-attempt count in the store `changes` times, each at a
 * random point of the poll's cycle, timing the write to the first frame that shows it.
 */
export async function timeLiveView(
  h: ConsoleHarness,
  svc: Service,
  url: string,
  changes: number,
): Promise<LiveView> {
  const account = await svc.ctx.db
    .selectFrom('accounts')
    .select(['id', 'username'])
    .where('username', '!=', 'bench.admin')
    .orderBy('username')
    .executeTakeFirstOrThrow();
  await openAccount(h.page, account.username, account.username);
  const calls = () => h.calls.filter((op) => op === 'getAccount').length;
  const firstCall = calls();
  const started = performance.now();
  const shown: number[] = [];
  for (let i = 1; i <= changes; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, randomInt(1_000)));
    const written = performance.timeOrigin + performance.now();
    await svc.ctx.db
      .updateTable('accounts')
      .set({ failed_count: 100 + i })
      .where('id', '=', account.id)
      .execute();
    // No named functions inside: tsx would wrap them in a helper the page does not have.
    const seen = await h.page.waitForFunction(
      (count) => {
        for (const fact of document.querySelectorAll('.fact'))
          if (
            fact.querySelector('dt')?.textContent === 'Failed attempts' &&
            fact.querySelector('dd')?.textContent === count
          )
            return performance.timeOrigin + performance.now();
        return null;
      },
      String(100 + i),
      { timeout: 10_000, polling: 'raf' },
    );
    shown.push(((await seen.jsonValue()) as number) - written);
  }
  const minutes = (performance.now() - started) / 60_000;
  const perMinute = (calls() - firstCall) / minutes;
  const inMain = h.durations.filter((d) => d.op === 'getAccount').map((d) => d.ms);
  const api = new ApiClient(url);
  await api.signIn('bench.admin');
  const alone: number[] = [];
  for (let i = 0; i < 100; i += 1) {
    const t = performance.now();
    const response = await api.get(`/api/v1/accounts/${account.id}`);
    if (response.status !== 200) throw new Error(`account view answered ${response.status}`);
    alone.push(performance.now() - t);
  }
  const sort = (list: number[]) => list.sort((a, b) => a - b);
  return { shown: sort(shown), perMinute, inMain: sort(inMain), alone: sort(alone) };
}
