import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountView } from '../../common/api/account-view.ts';
import { seedAccount, seedOrganization, type SeedAccount } from '../support/accounts.ts';
import { seedAdmin } from '../support/admin.ts';
import {
  act,
  auditOf,
  logIn,
  mailsTo,
  ok,
  openAccount,
  outboxOf,
  putHolders,
  refused,
  signedIn,
  verifyCaller,
  versionOf,
  type ConsoleClient,
} from '../support/console.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { startSmtp, type SmtpCatcher } from '../support/smtp.ts';

let svc: TestService;
let smtp: SmtpCatcher;
let org: string;
let alice: ConsoleClient;
let bruno: ConsoleClient;

beforeAll(async () => {
  smtp = await startSmtp();
  svc = await startTestService({ smtp });
  org = await seedOrganization(svc.ctx, 'Harbour Health', { adminTotpExempt: true });
  for (const username of ['alice', 'bruno'])
    await seedAdmin(svc.ctx, { organizationId: org, username, role: 'administrator' });
  // No test here moves the clock, so one sign-in each serves the file.
  alice = await signedIn(svc, 'alice');
  bruno = await signedIn(svc, 'bruno');
});
afterAll(async () => {
  await svc?.close();
  await smtp?.close();
});

let counter = 0;
async function person(o: Partial<SeedAccount> = {}) {
  const username = `caller${(counter += 1)}`;
  const email = `${username}@example.org`;
  const id = await seedAccount(svc.ctx, { organizationId: org, username, email, ...o });
  return { id, username, email };
}

const resetLinksOf = (id: string) =>
  svc.ctx.db.selectFrom('reset_links').selectAll().where('account_id', '=', id).execute();

describe('R88: optimistic concurrency with ETag and If-Match', () => {
  it('R88: no If-Match is 428; a stale one is 412 with the current state; nothing changes', async () => {
    const p = await person();
    const { etag } = await openAccount(alice, p.id);
    expect(etag).toBe('"v1"');
    const missing = await act(alice, p.id, 'send-reset-email', { etag: null });
    refused(missing, 428, 'precondition_required');
    for (const stale of ['"v0"', '"v2"', 'v1', '*']) {
      const answer = await act(alice, p.id, 'send-reset-email', { etag: stale });
      refused(answer, 412, 'precondition_failed');
      expect(answer.body.current).toMatchObject({ id: p.id, version: 1 });
    }
    expect(await versionOf(svc, p.id)).toBe(1);
    expect(await outboxOf(svc, p.id)).toEqual([]);

    const done = await act(alice, p.id, 'send-reset-email', { etag });
    expect(ok(done).version).toBe(2);
    expect(done.headers.get('etag')).toBe('"v2"');
    const late = await act(bruno, p.id, 'send-reset-email', { etag });
    refused(late, 412, 'precondition_failed');
    const current = late.body.current as AccountView;
    expect(current.version).toBe(2);
    expect(current.resetLinks.map((l) => l.state)).toEqual(['outstanding']);
    expect(current.audit.filter((e) => e.type === 'admin_action')).toHaveLength(1);
    // A weak validator of the current version is accepted.
    ok(await act(bruno, p.id, 'invalidate-links', { etag: 'W/"v2"' }));
  });

  it('R88: a lockout on the Log In page moves the ETag, so an action on what was shown is refused', async () => {
    const p = await person();
    const shown = await openAccount(alice, p.id);
    for (let i = 0; i < 5; i += 1) await logIn(svc, p.username, `not it, try ${i}`);
    const answer = await act(alice, p.id, 'send-reset-email', { etag: shown.etag });
    refused(answer, 412, 'precondition_failed');
    expect(answer.body.current?.status).toMatchObject({ locked: true, failedAttempts: 5 });
  });
});

describe('R89 R90 R91: concurrent administrators', () => {
  it('R89 R90: ten concurrent actions with one ETag: one succeeds, nine get 412, none 5xx, nothing half-done', async () => {
    const p = await person();
    const { etag } = await openAccount(alice, p.id);
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        act(i % 2 ? bruno : alice, p.id, 'send-reset-email', { etag }),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, ...Array<number>(9).fill(412)]);
    for (const loser of answers.filter((a) => a.status === 412))
      expect(loser.body.error?.code).toBe('precondition_failed');
    expect(await versionOf(svc, p.id)).toBe(2);
    expect(await auditOf(svc, p.id, 'admin_action')).toHaveLength(1);
    expect(await outboxOf(svc, p.id)).toHaveLength(1);
    expect(await resetLinksOf(p.id)).toHaveLength(1);
    await svc.dispatcher.drain();
    expect(mailsTo(smtp, p.email)).toHaveLength(1);
  });

  it('R91: a disable racing a temporary password ends in one of the two, never a mix', async () => {
    for (let round = 0; round < 3; round += 1) {
      const p = await person();
      const verificationId = await verifyCaller(bruno, p.id);
      const { etag } = await openAccount(alice, p.id);
      const [disable, reset] = await Promise.all([
        act(alice, p.id, 'disable', { etag }),
        act(bruno, p.id, 'set-temporary-password', { etag, verificationId }),
      ]);
      expect([disable.status, reset.status].sort()).toEqual([200, 412]);
      const row = await svc.ctx.db
        .selectFrom('accounts')
        .selectAll()
        .where('id', '=', p.id)
        .executeTakeFirstOrThrow();
      const disabled = row.disabled_at !== null;
      expect(disabled).toBe(disable.status === 200);
      expect(row.must_change_password).toBe(disabled ? 0 : 1);
      expect(row.temp_password_expires_at === null).toBe(disabled);
      const events = await auditOf(svc, p.id, 'admin_action');
      expect(events.map((e) => e.detail.action)).toEqual([
        disabled ? 'disable' : 'set-temporary-password',
      ]);
    }
  });
});

describe('R84 R92: Idempotency-Key', () => {
  it('R84: the same key twice answers the same, with one outbox row and one audit row', async () => {
    const p = await person();
    const { etag } = await openAccount(alice, p.id);
    const first = await act(alice, p.id, 'send-reset-email', { etag, key: 'retry-1' });
    const second = await act(alice, p.id, 'send-reset-email', { etag, key: 'retry-1' });
    expect(second.status).toBe(200);
    expect(second.body).toEqual(ok(first));
    expect(second.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(await outboxOf(svc, p.id)).toHaveLength(1);
    expect(await auditOf(svc, p.id, 'admin_action')).toHaveLength(1);
    expect(await resetLinksOf(p.id)).toHaveLength(1);
    await svc.dispatcher.drain();
    expect(mailsTo(smtp, p.email)).toHaveLength(1);
  });

  it('R92: a double click (the same key, at once) acts once', async () => {
    const p = await person();
    const { etag } = await openAccount(alice, p.id);
    const clicks = await Promise.all(
      [1, 2].map(() => act(alice, p.id, 'send-username-reminder', { etag, key: 'click-1' })),
    );
    expect(clicks.map((c) => c.status)).toEqual([200, 200]);
    expect(clicks[1]?.body).toEqual(clicks[0]?.body);
    expect(await outboxOf(svc, p.id)).toHaveLength(1);
    expect(await auditOf(svc, p.id, 'admin_action')).toHaveLength(1);
  });

  it('R84: the same key with a different request is refused (409)', async () => {
    const p = await person();
    const other = await person();
    const { etag } = await openAccount(alice, p.id);
    ok(await act(alice, p.id, 'send-reset-email', { etag, key: 'once-1' }));
    const changed = [
      act(alice, p.id, 'send-reset-email', { etag, key: 'once-1', reason: 'Another reason' }),
      act(alice, p.id, 'send-username-reminder', { etag, key: 'once-1' }),
      act(alice, other.id, 'send-reset-email', { key: 'once-1' }),
    ];
    for (const answer of await Promise.all(changed)) refused(answer, 409, 'conflict');
    // Keys belong to whoever sent them: another administrator's same key is a new request.
    ok(await act(bruno, other.id, 'send-reset-email', { key: 'once-1' }));
  });

  it('R84: the same key with other holders is refused, not answered with the first outcome', async () => {
    const p = await person({ shared: true });
    const holders = [{ name: 'Iris', email: 'iris.holder@example.org' }];
    ok(await putHolders(alice, p.id, holders, { key: 'holders-1' }));
    const other = [{ name: 'Jon', email: 'jon.holder@example.org' }];
    refused(await putHolders(alice, p.id, other, { key: 'holders-1' }), 409, 'conflict');
    expect((await openAccount(alice, p.id)).view.holders.map((h) => h.name)).toEqual(['Iris']);
  });

  it('R90: one key sent at once for two different accounts: one acts, the other 409, none 5xx', async () => {
    const [p, q] = [await person(), await person()];
    const answers = await Promise.all(
      [p, q].map((x) =>
        act(alice, x.id, 'send-username-reminder', { etag: '"v1"', key: 'split-1' }),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    const acted = (await outboxOf(svc, p.id)).length + (await outboxOf(svc, q.id)).length;
    expect(acted).toBe(1);
    const versions = [await versionOf(svc, p.id), await versionOf(svc, q.id)].sort();
    expect(versions).toEqual([1, 2]);
  });
});
