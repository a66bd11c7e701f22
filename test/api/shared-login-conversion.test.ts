import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ActionResult } from '../../common/api/actions.ts';
import type { ConversionPlan, UsernameCheck } from '../../common/api/shared-login-routes.ts';
import { createAccount } from '../../service/domain/account-records.ts';
import { openStore } from '../../service/store/database.ts';
import type { Database } from '../../service/store/schema.ts';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { seedAdmin } from '../support/admin.ts';
import {
  actVerified,
  logIn,
  mailTo,
  ok,
  openAccount,
  REASON,
  refused,
  resetLinkIn,
  SEEDED_PASSWORD,
  signedIn,
  type Answer,
  type ConsoleClient,
} from '../support/console.ts';
import { startTestService, WebClient, type TestService } from '../support/service.ts';
import { startSmtp, type SmtpCatcher } from '../support/smtp.ts';

// Converting a shared login from the console (SPEC §2, issue 5): the plan with suggested
// usernames, the clash check, and the conversion with chosen usernames in one transaction.

const NEW_PASSWORD = 'quartz meadow hums softly';
let svc: TestService;
let smtp: SmtpCatcher;
let org: string;
let admin: ConsoleClient;
let helpdesk: ConsoleClient;

beforeAll(async () => {
  smtp = await startSmtp();
  svc = await startTestService({ smtp });
  org = await seedOrganization(svc.ctx, 'Harbour Hospital', { adminTotpExempt: true });
  await seedAdmin(svc.ctx, { organizationId: org, username: 'conv.admin', role: 'administrator' });
  await seedAdmin(svc.ctx, { organizationId: org, username: 'conv.desk', role: 'helpdesk' });
});
afterAll(async () => {
  await svc?.close();
  await smtp?.close();
});
beforeEach(async () => {
  admin = await signedIn(svc, 'conv.admin');
  helpdesk = await signedIn(svc, 'conv.desk');
});

let counter = 0;
/** A shared login with holders whose addresses are unique to this test. */
async function sharedLogin(names: string[]) {
  const n = (counter += 1);
  const username = `ward${n}.shared`;
  const holders = names.map((name) => ({
    name,
    email: `${name.toLowerCase().replace(/ /g, '.')}${n}@harbour.example.org`,
  }));
  const id = await seedAccount(svc.ctx, {
    organizationId: org,
    username,
    shared: true,
    holders,
    products: ['emresource', 'eics'],
  });
  return { id, username, holders };
}

const plan = (api: ConsoleClient, id: string): Promise<Answer<ConversionPlan>> =>
  api.get(`/api/v1/accounts/${id}/conversion`);
const check = (
  api: ConsoleClient,
  id: string,
  usernames: Record<string, string>,
): Promise<Answer<UsernameCheck>> =>
  api.post(`/api/v1/accounts/${id}/conversion/check`, { usernames });

async function convert(
  api: ConsoleClient,
  id: string,
  usernames: Record<string, string> | undefined,
  headers?: Record<string, string>,
): Promise<Answer<ActionResult>> {
  const etag = headers ? undefined : (await openAccount(api, id)).etag;
  return api.post(
    `/api/v1/accounts/${id}/conversion`,
    { reason: REASON, ...(usernames ? { usernames } : {}) },
    headers ?? { 'if-match': etag ?? '' },
  );
}

const accountNamed = (username: string) =>
  svc.ctx.db
    .selectFrom('accounts')
    .select(['id', 'username'])
    .where('username', '=', username)
    .executeTakeFirst();

/** PostgreSQL: waits until an insert into accounts waits on a lock another transaction holds. */
async function insertWaitingOnLock(db: Kysely<Database>): Promise<void> {
  // A hang guard: a busy machine only makes the other transaction slower to get there.
  for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
      where wait_event_type = 'Lock' and query like 'insert into "accounts"%'`.execute(db);
    if ((rows[0]?.n ?? 0) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('The conversion never waited on the other transaction: the race did not happen.');
}

describe('conversion plan and username checks', () => {
  it('plans: each holder with a free suggested username (never one another holder gets), the products and the link lifetime', async () => {
    const { id, holders } = await sharedLogin(['Ann Bell', 'Cy Dunn']);
    // Someone already has Ann's stem: the suggestion moves on to the next free one.
    const stem = holders[0]?.email.split('@')[0] ?? '';
    await seedAccount(svc.ctx, { organizationId: org, username: stem });
    const body = ok(await plan(admin, id));
    expect([...body.products].sort()).toEqual(['EMResource', 'eICS'].sort());
    expect(body.inviteValidHours).toBe(72);
    expect(body.holders.map((h) => h.suggestedUsername)).toEqual([
      `${stem}2`,
      holders[1]?.email.split('@')[0],
    ]);
  });

  it('checks chosen usernames: taken, chosen twice, malformed, fine — each named for its holder', async () => {
    const { id } = await sharedLogin(['Eve Fox', 'Gus Hart', 'Ida Jones']);
    const [eve, gus, ida] = ok(await plan(admin, id)).holders;
    if (!eve || !gus || !ida) throw new Error('three holders expected');
    const taken = 'conv.desk';
    const items = ok(
      await check(admin, id, {
        [eve.holderId]: taken,
        [gus.holderId]: 'same.name',
        [ida.holderId]: 'Same.Name',
      }),
    ).items;
    expect(items[0]?.problem).toBe(`“${taken}” is taken by another account.`);
    expect(items[1]?.problem).toMatch(/chosen for two holders/);
    expect(items[2]?.problem).toMatch(/chosen for two holders/);
    const fine = ok(await check(admin, id, { [gus.holderId]: 'a@b' })).items;
    expect(fine.map((i) => i.problem)).toEqual([null, expect.stringMatching(/^Use 2 to 64/), null]);
    const unknown = await check(admin, id, { nobody: 'x.y' });
    refused(unknown, 400, 'validation_failed');
    expect(unknown.body.error?.field).toBe('usernames.nobody');
  });

  it('a helpdesk user may neither plan nor convert (manage_shared); a personal account has nothing to convert', async () => {
    const { id } = await sharedLogin(['Kai Long']);
    refused(await plan(helpdesk, id), 403, 'forbidden');
    refused(await convert(helpdesk, id, undefined), 403, 'forbidden');
    const personal = await seedAccount(svc.ctx, { organizationId: org, username: 'solo.conv' });
    refused(await plan(admin, personal), 409, 'conflict');
  });
});

describe('converting with chosen usernames', () => {
  it('a clash on the last holder refuses the whole conversion naming the field (409), and leaves nothing half-done (R79)', async () => {
    const { id, username } = await sharedLogin(['Lou Mars', 'Max Nile']);
    const [lou, max] = ok(await plan(admin, id)).holders;
    if (!lou || !max) throw new Error('two holders expected');
    const answer = await convert(admin, id, {
      [lou.holderId]: 'lou.mars.own',
      [max.holderId]: 'conv.admin',
    });
    refused(answer, 409, 'conflict');
    expect(answer.body.error?.field).toBe(`usernames.${max.holderId}`);
    expect(answer.body.error?.message).toContain('“conv.admin” is taken');
    expect(await accountNamed('lou.mars.own')).toBeUndefined();
    const { view } = await openAccount(admin, id);
    expect(view.status.disabled).toBe(false);
    expect((await logIn(svc, username, SEEDED_PASSWORD)).status).toBe(303);
  });

  it('a username another connection takes while the conversion runs refuses it (409 naming the field), never a 500', async () => {
    const { id } = await sharedLogin(['Pia Quinn']);
    const [pia] = ok(await plan(admin, id)).holders;
    if (!pia) throw new Error('one holder expected');
    const other = await openStore(svc.databaseUrl, svc.dataDir);
    try {
      let release = () => {};
      const held = new Promise<void>((resolve) => (release = resolve));
      let created = () => {};
      const made = new Promise<void>((resolve) => (created = resolve));
      // PostgreSQL: the other transaction holds the new row uncommitted while the conversion
      // checks the name (free) and inserts it (waits, then collides). SQLite serializes
      // writers and blocks the one thread while it waits, so there the other commits first.
      const hold = svc.databaseUrl !== undefined;
      const otherDone = other.db.transaction().execute(async (trx) => {
        await createAccount(trx, svc.ctx, {
          organizationId: org,
          username: 'pia.own',
          email: 'pia.own@harbour.example.org',
          name: 'Pia Own',
          products: ['emresource'],
        });
        created();
        if (hold) await held;
      });
      await made;
      if (!hold) await otherDone;
      const answer = convert(admin, id, { [pia.holderId]: 'pia.own' });
      if (hold) {
        await insertWaitingOnLock(other.db);
        release();
        await otherDone;
      }
      const refusal = await answer;
      refused(refusal, 409, 'conflict');
      expect(refusal.body.error?.field).toBe(`usernames.${pia.holderId}`);
      expect(refusal.body.error?.message).toMatch(/[“"]pia\.own[”"] is taken/);
      const { view } = await openAccount(admin, id);
      expect(view.status.disabled).toBe(false);
    } finally {
      await other.close();
    }
  });

  it('needs If-Match (428) and refuses a stale one (412 with the account now)', async () => {
    const { id } = await sharedLogin(['Ned Oak']);
    refused(await convert(admin, id, undefined, {}), 428, 'precondition_required');
    const stale = await convert(admin, id, undefined, { 'if-match': '"v0"' });
    refused(stale, 412, 'precondition_failed');
    expect(stale.body.current?.id).toBe(id);
  });

  it('creates working personal accounts with the chosen usernames, invites each, and disables the shared login', async () => {
    const { id, username, holders } = await sharedLogin(['Oli Park', 'Pia Quinn']);
    const [oli, pia] = ok(await plan(admin, id)).holders;
    if (!oli || !pia) throw new Error('two holders expected');
    const chosen = { [oli.holderId]: `oli.own${counter}`, [pia.holderId]: pia.suggestedUsername };
    const result = ok(await convert(admin, id, chosen));
    expect(result.action).toBe('convert-shared-login');
    expect(result.createdAccounts?.map((a) => a.username)).toEqual(Object.values(chosen));
    for (const [i, created] of (result.createdAccounts ?? []).entries()) {
      expect(created.email).toBe(holders[i]?.email);
      const mail = await mailTo(smtp, created.email, /^Your own account/);
      expect(mail.text).toContain(`Yours is ${created.username}`);
      const browser = new WebClient(svc.url);
      expect((await browser.get(resetLinkIn(mail))).location).toBe('/reset/password');
      const done = await browser.post('/reset/password', {
        new_password: NEW_PASSWORD,
        verify_password: NEW_PASSWORD,
      });
      expect(done.location).toBe('/reset/done');
      expect((await logIn(svc, created.username, NEW_PASSWORD)).location).toBe(
        '/security-question',
      );
    }
    expect((await openAccount(admin, id)).view.status.disabled).toBe(true);
    expect((await logIn(svc, username, SEEDED_PASSWORD)).status).toBe(401);
    refused(await convert(admin, id, undefined), 409, 'conflict');
  });
});

describe('the API document', () => {
  it('describes the conversion routes at /api/openapi.json', async () => {
    const doc = await admin.get<{ paths: Record<string, Record<string, unknown>> }>(
      '/api/openapi.json',
    );
    expect(Object.keys(doc.body.paths['/api/v1/accounts/{id}/conversion'] ?? {}).sort()).toEqual([
      'get',
      'post',
    ]);
    expect(doc.body.paths['/api/v1/accounts/{id}/conversion/check']).toHaveProperty('post');
  });
});

describe('password history of a shared login', () => {
  it('lists every password change with who did it and how', async () => {
    const { id } = await sharedLogin(['Rae Stone']);
    await actVerified(admin, id, 'reset-shared-login');
    await actVerified(admin, id, 'reset-shared-login');
    const { view } = await openAccount(admin, id);
    expect(view.passwordHistory).toHaveLength(2);
    for (const entry of view.passwordHistory)
      expect(entry).toMatchObject({ how: 'shared_reset', byName: 'conv.admin' });
    expect(view.passwordHistory[0]?.at).toBeGreaterThanOrEqual(view.passwordHistory[1]?.at ?? 0);
  });
});
