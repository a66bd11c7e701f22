import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServiceProcess, type ServiceProcess } from '../../scripts/service-process.ts';
import { systemClock } from '../../service/clock.ts';
import type { ServiceContext } from '../../service/context.ts';
import { argon2Hasher } from '../../service/domain/passwords.ts';
import { issueResetLink } from '../../service/domain/reset-links.ts';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { WebClient } from '../support/service.ts';
import { openTestStore } from '../support/store.ts';

// Issue 13: the limits hold across service processes on one store (the row is the arbiter, not
// any process's memory). Two real `service/cli.ts serve` processes share this file's store: a
// SQLite file, or a PostgreSQL schema under `npm run test:pg`.

const PASSWORD = 'tulip orbit saddle lantern';
let store: Awaited<ReturnType<typeof openTestStore>>;
let ctx: ServiceContext;
let processes: ServiceProcess[] = [];
let org: string;

beforeAll(async () => {
  store = await openTestStore();
  // Just enough of a context to seed rows with (seedAccount hashes with the real argon2).
  ctx = { db: store.db, clock: systemClock, hasher: argon2Hasher } as unknown as ServiceContext;
  org = await seedOrganization(ctx, 'Two Process Hospital');
  // Processes behind one address share CSRF_SECRET, as the README asks of a deployment.
  const env = { SEARCH_INDEX: 'store', CSRF_SECRET: 'two processes share this csrf secret, 0123' };
  processes = await Promise.all([startServiceProcess(store, env), startServiceProcess(store, env)]);
}, 120_000);
afterAll(async () => {
  await Promise.all(processes.map((p) => p.close()));
  await store?.close();
});

const urlOf = (i: number) => (processes[i % processes.length] as ServiceProcess).url;

async function auditOf(id: string, type: string) {
  const rows = await store.db
    .selectFrom('audit_events')
    .select('detail')
    .where('account_id', '=', id)
    .where('type', '=', type)
    .execute();
  return rows.map((r) => JSON.parse(r.detail) as Record<string, unknown>);
}

describe('limits across two service processes on one store', () => {
  it('R40/R44: 50 wrong passwords sent at once to two processes are checked 5 times and lock once', async () => {
    const username = 'two-process-lockout';
    const id = await seedAccount(ctx, { organizationId: org, username });
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        new WebClient(urlOf(i)).post('/login', {
          identifier: username,
          password: `wrong from process ${i % 2}, guess ${i}`,
        }),
      ),
    );
    expect(answers.map((a) => a.status).filter((s) => s !== 401)).toEqual([]);
    const failures = await auditOf(id, 'sign_in_failed');
    expect(failures.filter((d) => d.reason === 'wrong_password')).toHaveLength(5);
    expect(await auditOf(id, 'lockout')).toHaveLength(1);
    for (const i of [0, 1])
      expect(
        (await new WebClient(urlOf(i)).post('/login', { identifier: username, password: PASSWORD }))
          .status,
      ).toBe(401);
    expect(await auditOf(id, 'sign_in')).toHaveLength(0);
  });

  it('R31/R40: 20 wrong answers on one link sent at once to two processes are checked 3 times', async () => {
    const username = 'two-process-challenge';
    const id = await seedAccount(ctx, { organizationId: org, username });
    const account = await store.db
      .selectFrom('accounts')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const { token } = await issueResetLink(
      store.db,
      systemClock,
      account,
      'reset',
      account.email,
      3_600_000,
    );
    const browser = new WebClient(urlOf(0));
    expect((await browser.get(`/reset/${token}`)).location).toBe('/reset/challenge');
    const page = await browser.get('/reset/challenge');
    const csrf = /name="_csrf" value="([^"]*)"/.exec(page.body)?.[1] ?? '';
    const cookie = browser.cookieHeader();
    // The same browser's answers, half through each process (a load balancer's round robin).
    const answers = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const response = await fetch(new URL('/reset/challenge', urlOf(i)), {
          method: 'POST',
          headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ answer: `wrong answer ${i}`, _csrf: csrf }).toString(),
          redirect: 'manual',
        });
        return response.status;
      }),
    );
    // Each answer was taken up (a wrong answer's page, or the dead link's), none refused as forged.
    expect(answers.every((s) => s === 400 || s === 410)).toBe(true);
    expect(await auditOf(id, 'challenge_failed')).toHaveLength(3);
    expect(await auditOf(id, 'challenge_passed')).toHaveLength(0);
    const link = await store.db
      .selectFrom('reset_links')
      .select(['revoked_at', 'wrong_answers'])
      .where('account_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(link.revoked_at).not.toBeNull();
  });
});
