import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { QUESTION, type SeedAccount } from '../support/accounts.ts';
import { startApiFixture, type ApiFixture } from '../support/api-fixture.ts';
import { seedAdmin } from '../support/admin.ts';
import {
  act,
  actVerified,
  auditOf,
  lockOut,
  logIn,
  mailTo,
  mailsTo,
  ok,
  openAccount,
  REASON,
  refused,
  resetLinkIn,
  SEEDED_ANSWER,
  SEEDED_PASSWORD,
  signedIn,
  type ConsoleClient,
} from '../support/console.ts';
import { WebClient, type TestService } from '../support/service.ts';
import type { SmtpCatcher } from '../support/smtp.ts';

const NEW_PASSWORD = 'copper heron drifts at noon';
const CONTACT = 'the Lakeside helpdesk on 555-0142';
let fx: ApiFixture;
let svc: TestService;
let smtp: SmtpCatcher;
let org: string;
let helpdesk: ConsoleClient;
let admin: ConsoleClient;
let adminId: string;

beforeAll(async () => {
  fx = await startApiFixture('Lakeside Clinic', CONTACT);
  ({ svc, smtp, org } = fx);
  await seedAdmin(svc.ctx, { organizationId: org, username: 'desk1', role: 'helpdesk' });
  adminId = await seedAdmin(svc.ctx, {
    organizationId: org,
    username: 'boss1',
    role: 'administrator',
  });
});
afterAll(async () => fx?.close());
// Access tokens live 15 minutes and some tests move the clock: every test signs in afresh.
beforeEach(async () => {
  helpdesk = await signedIn(svc, 'desk1');
  admin = await signedIn(svc, 'boss1');
});

const person = (stem: string, o: Partial<SeedAccount> = {}) => fx.person(stem, o);

/** Opens an emailed reset link, answers the question and sets a new password. */
async function completeReset(link: string) {
  const browser = new WebClient(svc.url);
  expect((await browser.get(link)).location).toBe('/reset/challenge');
  expect((await browser.post('/reset/challenge', { answer: SEEDED_ANSWER })).location).toBe(
    '/reset/password',
  );
  const done = await browser.post('/reset/password', {
    new_password: NEW_PASSWORD,
    verify_password: NEW_PASSWORD,
  });
  expect(done.location).toBe('/reset/done');
}

describe('the account view', () => {
  it('R88 R36: holds all of SPEC §3 with an ETag "v<version>", and never an answer or a hash', async () => {
    const holders = [
      { name: 'Ann Holder', email: 'ann.holder@example.org' },
      { name: 'Bob Holder', email: 'bob.holder@example.org', isOwner: true },
    ];
    const p = await person('frontdesk', { shared: true, holders, products: ['eics', 'emtrack'] });
    await svc.ctx.db
      .updateTable('accounts')
      .set({ name: 'Front Desk', phone: '555-0100' })
      .where('id', '=', p.id)
      .execute();
    ok(await act(admin, p.id, 'send-reset-email', { ticket: 'INC-1001' }));
    // A shared login whose organization names an owner: the link goes to the owner (SPEC §2).
    await completeReset(resetLinkIn(await mailTo(smtp, 'bob.holder@example.org', /^Reset/)));
    const session = await logIn(svc, p.username, NEW_PASSWORD);
    expect(session.location).toBe('/');
    await lockOut(svc, p.username);
    await svc.dispatcher.drain();

    const response = await admin.get(`/api/v1/accounts/${p.id}`);
    expect(response.status).toBe(200);
    const view = response.body as unknown as import('../../common/api/account-view.ts').AccountView;
    expect(response.headers.get('etag')).toBe(`"v${view.version}"`);
    expect(view).toMatchObject({
      id: p.id,
      username: p.username,
      email: p.email,
      name: 'Front Desk',
      phone: '555-0100',
      organization: { id: org, name: 'Lakeside Clinic', adminContact: CONTACT },
      products: [
        { code: 'eics', name: 'eICS' },
        { code: 'emtrack', name: 'EMTrack' },
      ],
      status: {
        disabled: false,
        locked: true,
        lockReason: 'Too many failed sign-ins',
        failedAttempts: 5,
        mustChangePassword: false,
      },
      passwordChange: { how: 'reset', by: 'self' },
      securityQuestion: QUESTION,
      shared: true,
      holders: [
        { name: 'Ann Holder', email: 'ann.holder@example.org', isOwner: false },
        { name: 'Bob Holder', email: 'bob.holder@example.org', isOwner: true },
      ],
      passwordChangeImpact: { products: ['eICS', 'EMTrack'], liveSessions: 1 },
    });
    const now = svc.clock.now();
    expect(view.status.lockedAt).toBe(now);
    expect(view.status.lockedUntil).toBe(now + 15 * 60_000);
    expect(view.lastSignInAt).toBe(now);
    expect(view.passwordChange.at).toBe(now);
    expect(view.resetLinks).toEqual([
      expect.objectContaining({
        purpose: 'reset',
        issuedAt: now,
        openedAt: now,
        usedAt: now,
        state: 'used',
      }),
    ]);
    const kinds = view.emails.map((m) => `${m.kind} ${m.to} ${m.status}`).sort();
    expect(kinds).toEqual(
      [
        'password_reset bob.holder@example.org sent',
        ...['ann.holder@example.org', 'bob.holder@example.org', p.email].flatMap((to) => [
          `password_changed ${to} sent`,
          `lockout ${to} sent`,
        ]),
      ].sort(),
    );
    expect(view.emails.every((m) => m.error === null && m.sentAt !== null)).toBe(true);
    const types = view.audit.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['admin_action', 'password_changed', 'lockout']));
    expect(view.audit.find((e) => e.type === 'admin_action')).toMatchObject({
      actor: adminId,
      actorName: 'boss1',
      detail: { action: 'send-reset-email', reason: REASON, ticket: 'INC-1001' },
    });

    // R36: the stored hashes are argon2 PHC strings, and none of them is in the answer.
    const stored = await svc.ctx.db
      .selectFrom('accounts')
      .select(['password_hash', 'security_answer_hash'])
      .where('id', '=', p.id)
      .executeTakeFirstOrThrow();
    expect(stored.password_hash).toMatch(/^\$argon2id\$/);
    expect(stored.security_answer_hash).toMatch(/^\$argon2id\$/);
    const json = JSON.stringify(view);
    expect(json).not.toContain('$argon2');
    expect(json).not.toContain(stored.security_answer_hash);
    expect(json.toLowerCase()).not.toContain(SEEDED_ANSWER.toLowerCase());
    expect(admin.checked).toBeGreaterThan(0);
  });
});

describe('helpdesk actions', () => {
  it('send-reset-email: a working link, and a summary naming the masked address and the expiry', async () => {
    const p = await person('patricia');
    const result = ok(await act(helpdesk, p.id, 'send-reset-email'));
    const until = new Date(result.linkExpiresAt ?? 0).toISOString().slice(11, 16);
    expect(result.linkExpiresAt).toBe(svc.clock.now() + 60 * 60_000);
    expect(result.summary).toBe(
      `Reset email queued for p…@example.org, link valid until ${until} UTC`,
    );
    expect(result.mailIds).toHaveLength(1);
    const mail = await mailTo(smtp, p.email, /^Reset the password of/);
    expect(mail.subject).toBe(`Reset the password of ${p.username}`);
    expect(mail.text).toContain(`${until} UTC`);
    expect(mail.text).toContain('EMResource, eICS and EMTrack');
    await completeReset(resetLinkIn(mail));
    expect((await logIn(svc, p.username, NEW_PASSWORD)).location).toBe('/');
    expect((await logIn(svc, p.username, SEEDED_PASSWORD)).status).toBe(401);
  });

  it('send-username-reminder: every username registered to the address', async () => {
    const shared = 'family@example.org';
    const first = await person('rosa', { email: shared });
    const second = await person('rosa', { email: shared });
    const result = ok(await act(helpdesk, first.id, 'send-username-reminder'));
    expect(result.summary).toBe('Username reminder queued for f…@example.org');
    const mail = await mailTo(smtp, shared, /^Your usernames$/);
    expect(mail.text).toContain(`${first.username}, ${second.username}`);
    expect(mail.text).not.toMatch(/\/reset\//);
  });

  it('R47: unlock needs a verified caller, tells the owner, and sign-in works after', async () => {
    const p = await person('ursula');
    await lockOut(svc, p.username);
    expect((await logIn(svc, p.username, SEEDED_PASSWORD)).status).toBe(401);
    await mailTo(smtp, p.email, /is locked$/);

    refused(await act(helpdesk, p.id, 'unlock'), 403, 'verification_required');
    const result = await actVerified(helpdesk, p.id, 'unlock');
    expect(result.summary).toBe(`${p.username} unlocked; the owner was told by email`);
    const mail = await mailTo(smtp, p.email, /is unlocked$/);
    expect(mail.text).toContain(`An administrator unlocked sign-in to ${p.username}`);
    expect(mail.text).toContain(CONTACT);
    expect((await logIn(svc, p.username, SEEDED_PASSWORD)).location).toBe('/');
    const [event] = await auditOf(svc, p.id, 'admin_action');
    expect(event?.detail).toMatchObject({ action: 'unlock', verification: 'answer' });
  });

  it('R64: end-sessions ends a signed-in session on the pages', async () => {
    const p = await person('edgar');
    const { browser } = await logIn(svc, p.username, SEEDED_PASSWORD);
    expect((await browser.get('/')).heading).toBe('Your products');
    expect((await openAccount(helpdesk, p.id)).view.passwordChangeImpact.liveSessions).toBe(1);
    const result = ok(await act(helpdesk, p.id, 'end-sessions'));
    expect(result.summary).toBe(`1 session of ${p.username} ended`);
    expect((await browser.get('/')).location).toBe('/login');
    expect((await openAccount(helpdesk, p.id)).view.passwordChangeImpact.liveSessions).toBe(0);
    await svc.dispatcher.drain();
    expect(mailsTo(smtp, p.email)).toEqual([]);
  });

  it('invalidate-links: an emailed link then shows "Link No Longer Valid"', async () => {
    const p = await person('ivan');
    await new WebClient(svc.url).post('/forgot-password', { identifier: p.username });
    const link = resetLinkIn(await mailTo(smtp, p.email, /^Reset/));
    const result = ok(await act(helpdesk, p.id, 'invalidate-links'));
    expect(result.summary).toBe(`1 outstanding reset link of ${p.username} invalidated`);
    const page = await new WebClient(svc.url).follow(link);
    expect(page.status).toBe(410);
    expect(page.heading).toBe('Link No Longer Valid');
    const { view } = await openAccount(helpdesk, p.id);
    expect(view.resetLinks[0]).toMatchObject({
      state: 'revoked',
      revokedReason: 'invalidated_by_staff',
    });
    await svc.dispatcher.drain();
    expect(mailsTo(smtp, p.email).map((m) => m.subject)).toEqual([
      `Reset the password of ${p.username}`,
    ]);
  });
});

describe('administrator actions', () => {
  it('R64: disable ends sessions and links and refuses sign-in; enable lets it sign in again', async () => {
    const p = await person('dora');
    const { browser } = await logIn(svc, p.username, SEEDED_PASSWORD);
    ok(await act(admin, p.id, 'send-reset-email'));
    const link = resetLinkIn(await mailTo(smtp, p.email, /^Reset/));

    refused(await act(helpdesk, p.id, 'disable'), 403, 'forbidden');
    const disabled = ok(await act(admin, p.id, 'disable'));
    expect(disabled.summary).toBe(`${p.username} disabled; sessions and reset links ended`);
    const notice = await mailTo(smtp, p.email, /was disabled$/);
    expect(notice.text).toContain('It can no longer sign in');
    expect((await browser.get('/')).location).toBe('/login');
    expect((await new WebClient(svc.url).follow(link)).heading).toBe('Link No Longer Valid');
    expect((await logIn(svc, p.username, SEEDED_PASSWORD)).status).toBe(401);
    expect((await openAccount(admin, p.id)).view.status).toMatchObject({
      disabled: true,
      disabledAt: svc.clock.now(),
    });

    const enabled = ok(await act(admin, p.id, 'enable'));
    expect(enabled.summary).toBe(`${p.username} enabled`);
    expect((await mailTo(smtp, p.email, /was enabled again$/)).text).toContain('It can sign in');
    expect((await logIn(svc, p.username, SEEDED_PASSWORD)).location).toBe('/');
    expect(mailsTo(smtp, p.email).map((m) => m.subject)).toHaveLength(3);
  });
});
