import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ActionResult } from '../../common/api/actions.ts';
import { UNAMBIGUOUS_ALPHABET } from '../../service/domain/temporary-passwords.ts';
import type { SeedAccount } from '../support/accounts.ts';
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
  putHolders,
  REASON,
  refused,
  resetLinkIn,
  SEEDED_PASSWORD,
  signedIn,
  verifyCaller,
  type ConsoleClient,
} from '../support/console.ts';
import { WebClient, type TestService } from '../support/service.ts';
import { linksIn, type SmtpCatcher } from '../support/smtp.ts';

const NEW_PASSWORD = 'violet canyon hums softly';
const CONTACT = 'the Hilltop service desk on 555-0177';
const TEMPORARY = new RegExp(`^[${UNAMBIGUOUS_ALPHABET}]{18}$`);
let fx: ApiFixture;
let svc: TestService;
let smtp: SmtpCatcher;
let org: string;
let admin: ConsoleClient;
let adminId: string;

beforeAll(async () => {
  fx = await startApiFixture('Hilltop Hospital', CONTACT);
  ({ svc, smtp, org } = fx);
  adminId = await seedAdmin(svc.ctx, {
    organizationId: org,
    username: 'chief1',
    role: 'administrator',
  });
});
afterAll(async () => fx?.close());
beforeEach(async () => {
  admin = await signedIn(svc, 'chief1');
});

const person = (stem: string, o: Partial<SeedAccount> = {}) => fx.person(stem, o);

describe('set-temporary-password (R59)', () => {
  it('R59: 18 unambiguous characters, returned once; Log In forces a change; no email holds it', async () => {
    const p = await person('tomas');
    const { browser: old } = await logIn(svc, p.username, SEEDED_PASSWORD);
    const verificationId = await verifyCaller(admin, p.id);
    const { etag } = await openAccount(admin, p.id);
    const first = ok(
      await act(admin, p.id, 'set-temporary-password', { etag, verificationId, key: 'tp-1' }),
    );
    const password = first.temporaryPassword ?? '';
    expect(password).toMatch(TEMPORARY);
    expect(first.temporaryPasswordExpiresAt).toBe(svc.clock.now() + 24 * 3_600_000);
    expect(first.summary).toBe(
      `Temporary password set for ${p.username}; 1 session ended; the owner was told by email`,
    );
    // A retry with the same key answers the same outcome, but never the password again.
    const replay = ok(
      await act(admin, p.id, 'set-temporary-password', { etag, verificationId, key: 'tp-1' }),
    );
    expect(replay.temporaryPassword).toBeUndefined();
    expect(replay).toEqual({ ...first, temporaryPassword: undefined });

    const mail = await mailTo(smtp, p.email, /reset by an administrator$/);
    expect(mail.text).toContain('it is not in this email');
    expect(mail.text).toContain(CONTACT);
    expect(mail.raw).not.toContain(password);
    expect((await old.get('/')).location).toBe('/login');

    const { view } = await openAccount(admin, p.id);
    expect(view.status).toMatchObject({
      mustChangePassword: true,
      temporaryPasswordExpiresAt: first.temporaryPasswordExpiresAt,
    });
    expect(view.passwordChange).toEqual({ at: svc.clock.now(), how: 'temporary', by: adminId });

    expect((await logIn(svc, p.username, SEEDED_PASSWORD)).status).toBe(401);
    const signIn = await logIn(svc, p.username, password);
    expect(signIn.location).toBe('/change-password');
    const browser = signIn.browser;
    expect((await browser.get('/')).location).toBe('/change-password');
    const page = await browser.get('/change-password');
    expect(page.heading).toBe('Change Password');
    expect(page.text).toContain('You must choose a new password before you continue.');
    // It can never become the long-term password (R59).
    const kept = await browser.post('/change-password', {
      current_password: password,
      new_password: password,
      verify_password: password,
    });
    expect(kept.status).toBe(400);
    expect(kept.fieldError('new_password')).toBe(
      'This is your current password. Choose a new one.',
    );
    const changed = await browser.post('/change-password', {
      current_password: password,
      new_password: NEW_PASSWORD,
      verify_password: NEW_PASSWORD,
    });
    expect(changed.location).toBe('/');
    expect((await browser.get('/')).heading).toBe('Your products');
    // Single use: the temporary password never signs in again (R59).
    expect((await logIn(svc, p.username, password)).status).toBe(401);
    expect((await logIn(svc, p.username, NEW_PASSWORD)).location).toBe('/');
  });

  it('R59: an unused temporary password stops working after 24 hours', async () => {
    const p = await person('ulrike');
    const { temporaryPassword } = await actVerified(admin, p.id, 'set-temporary-password');
    svc.clock.advance(24 * 3_600_000 + 60_000);
    expect((await logIn(svc, p.username, temporaryPassword ?? '')).status).toBe(401);
  });

  it('R59: an administrator cannot choose the password (400, nothing changes)', async () => {
    const p = await person('victor');
    const verificationId = await verifyCaller(admin, p.id);
    const before = await openAccount(admin, p.id);
    for (const extra of [
      { password: 'chosen by the admin 123' },
      { temporaryPassword: 'ABCDEFGHJKMNPQRSTU' },
    ]) {
      refused(
        await act(admin, p.id, 'set-temporary-password', { verificationId, extra }),
        400,
        'validation_failed',
      );
    }
    expect((await openAccount(admin, p.id)).view.version).toBe(before.view.version);
    expect((await logIn(svc, p.username, SEEDED_PASSWORD)).location).toBe('/');
  });
});

describe('security questions (R35)', () => {
  it('R35: clearing is audited and told; the forgotten-password email says to call; Log In asks for a new one', async () => {
    const p = await person('quentin');
    await new WebClient(svc.url).post('/forgot-password', { identifier: p.username });
    const link = resetLinkIn(await mailTo(smtp, p.email, /^Reset/));

    const result = await actVerified(admin, p.id, 'clear-security-question', { ticket: 'T-35' });
    expect(result.summary).toBe(
      `Security question of ${p.username} cleared; a new one is asked at the next sign-in`,
    );
    const [event] = await auditOf(svc, p.id, 'admin_action');
    expect(event).toMatchObject({
      actor: adminId,
      detail: {
        action: 'clear-security-question',
        reason: REASON,
        ticket: 'T-35',
        verification: 'answer',
      },
    });
    const notice = await mailTo(smtp, p.email, /security question of .* was cleared$/);
    expect(notice.text).toContain('choose a new one the next time you sign in');
    expect((await new WebClient(svc.url).follow(link)).heading).toBe('Link No Longer Valid');
    expect((await openAccount(admin, p.id)).view.securityQuestion).toBeNull();

    // The documented rule while no question is set: no link; call an administrator.
    await new WebClient(svc.url).post('/forgot-password', { identifier: p.username });
    const rule = await mailTo(smtp, p.email, /^About your password reset request$/);
    expect(rule.text).toContain('needs a security question');
    expect(rule.text).toContain(`contact ${CONTACT}`);
    expect(linksIn(rule.text).some((l) => l.includes('/reset/'))).toBe(false);

    const signIn = await logIn(svc, p.username, SEEDED_PASSWORD);
    expect(signIn.location).toBe('/security-question');
    expect((await signIn.browser.get('/security-question')).heading).toBe('Security Question');
  });
});

describe('shared logins (SPEC §2)', () => {
  let sets = 0;
  const holdersOf = (stem: string, n: number) => {
    sets += 1;
    return Array.from({ length: n }, (_, i) => ({
      name: `${stem} Holder ${i + 1}`,
      email: `${stem.toLowerCase()}.h${i + 1}.${sets}@example.org`,
    }));
  };

  it('SPEC §2 §7 R75: reset-shared-login gives the calling holder a shared password that signs in without a forced change, for every holder, the next day too', async () => {
    const holders = holdersOf('Nurse', 3);
    const p = await person('ward', { shared: true, holders });
    const { browser: old } = await logIn(svc, p.username, SEEDED_PASSWORD);
    await lockOut(svc, p.username);
    const { view } = await openAccount(admin, p.id);
    expect(view.status.locked).toBe(true);
    const caller = view.holders.find((h) => h.name === 'Nurse Holder 2');
    const verificationId = await verifyCaller(admin, p.id);
    refused(await act(admin, p.id, 'set-temporary-password', { verificationId }), 409, 'conflict');
    const result = await actVerified(admin, p.id, 'reset-shared-login', {
      holderId: caller?.id ?? '',
      ticket: 'T-15',
    });
    const password = result.temporaryPassword ?? '';
    expect(password).toMatch(TEMPORARY);
    expect(result.temporaryPasswordExpiresAt).toBeUndefined();
    expect(result.summary).toBe(
      `Shared password of ${p.username} given to Nurse Holder 2 by chief1; 1 session ended; the login's address and 3 holders were told by email`,
    );
    expect(result.mailIds).toHaveLength(4);

    // Kept otherwise as it was: sessions end, the lock clears.
    expect((await old.get('/')).location).toBe('/login');
    const after = (await openAccount(admin, p.id)).view;
    expect(after.status).toMatchObject({
      locked: false,
      mustChangePassword: false,
      temporaryPasswordExpiresAt: null,
    });
    expect(after.passwordChange).toEqual({ at: svc.clock.now(), how: 'shared_reset', by: adminId });

    // Not single use, never forced to change: the first holder to sign in locks nobody out.
    for (const holder of ['the caller', 'a second holder']) {
      const signIn = await logIn(svc, p.username, password);
      expect(signIn.location, holder).toBe('/');
      expect((await signIn.browser.get('/')).heading, holder).toBe('Your products');
    }
    svc.clock.advance(26 * 3_600_000);
    expect((await logIn(svc, p.username, password)).location).toBe('/');

    const [event] = await auditOf(svc, p.id, 'admin_action');
    expect(event).toMatchObject({
      actor: adminId,
      detail: {
        action: 'reset-shared-login',
        ticket: 'T-15',
        onBehalfOf: caller?.id,
        summary: result.summary,
      },
    });
  });

  it("R26 SPEC §2: every holder and the login's address are told who received the password and from which agent, why and when, never the password", async () => {
    const holders = holdersOf('Porter', 2);
    const p = await person('lodge', { shared: true, holders });
    const { view } = await openAccount(admin, p.id);
    const caller = view.holders.find((h) => h.name === 'Porter Holder 1');
    const at = svc.clock.now();
    const result = await actVerified(admin, p.id, 'reset-shared-login', {
      holderId: caller?.id ?? '',
    });
    const password = result.temporaryPassword ?? '';
    const when = new Date(at).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
    for (const to of [p.email, ...holders.map((h) => h.email)]) {
      const mail = await mailTo(
        smtp,
        to,
        /^The shared password of .* was reset for Porter Holder 1$/,
      );
      expect(mail.text, to).toContain('The new password was given to Porter Holder 1');
      expect(mail.text, to).toContain('Ask Porter Holder 1 for it');
      expect(mail.text, to).toContain(`On ${when} chief1, an administrator, reset`);
      expect(mail.text, to).toContain(`Reason given: ${REASON}`);
      expect(mail.text, to).toContain('does not have to be changed');
      expect(mail.text, to).toContain(CONTACT);
      expect(mail.raw, to).not.toContain(password);
    }
  });

  it('R68 SPEC §2: the calling holder is required and must hold this login; other actions refuse one (400 naming holderId, nothing changes)', async () => {
    const p = await person('theatre', { shared: true, holders: holdersOf('Scrub', 2) });
    const other = await person('recovery', { shared: true, holders: holdersOf('Bay', 1) });
    const stranger = (await openAccount(admin, other.id)).view.holders[0]?.id ?? '';
    const before = (await openAccount(admin, p.id)).view.version;
    const verificationId = await verifyCaller(admin, p.id);
    for (const holderId of [null, stranger, 'no-such-holder', '  ']) {
      const answer = await act(admin, p.id, 'reset-shared-login', { verificationId, holderId });
      refused(answer, 400, 'validation_failed');
      expect(answer.body.error?.field, String(holderId)).toBe('holderId');
    }
    const personal = await person('ines');
    const elsewhere = await act(admin, personal.id, 'send-reset-email', { holderId: stranger });
    refused(elsewhere, 400, 'validation_failed');
    expect(elsewhere.body.error?.field).toBe('holderId');
    expect((await openAccount(admin, p.id)).view.version).toBe(before);
    expect((await logIn(svc, p.username, SEEDED_PASSWORD)).location).toBe('/');
  });

  it('convert-shared-login: a personal account per holder, each invited by a working link; the shared login disabled', async () => {
    const holders = holdersOf('Clerk', 2);
    const p = await person('admissions', {
      shared: true,
      holders,
      products: ['emresource', 'emtrack'],
    });
    const result = ok(await act(admin, p.id, 'convert-shared-login'));
    const created = result.createdAccounts ?? [];
    expect(created.map((c) => c.email).sort()).toEqual(holders.map((h) => h.email).sort());
    expect(result.summary).toContain(`${p.username} converted into 2 personal accounts`);

    for (const account of created) {
      const { view } = await openAccount(admin, account.id);
      expect(view).toMatchObject({ username: account.username, shared: false });
      expect(view.organization.id).toBe(org);
      expect(view.products.map((x) => x.code)).toEqual(['emresource', 'emtrack']);
      const mail = await mailTo(smtp, account.email, /^Your own account/);
      expect(mail.text).toContain(`Yours is ${account.username}`);
      expect(mail.text).toContain('EMResource and EMTrack');
      const browser = new WebClient(svc.url);
      expect((await browser.get(resetLinkIn(mail))).location).toBe('/reset/password');
      const setUp = await browser.get('/reset/password');
      expect(setUp.heading).toBe('Set Up Password');
      expect(setUp.text).toContain(account.username);
      const done = await browser.post('/reset/password', {
        new_password: NEW_PASSWORD,
        verify_password: NEW_PASSWORD,
      });
      expect(done.location).toBe('/reset/done');
      expect((await logIn(svc, account.username, NEW_PASSWORD)).location).toBe(
        '/security-question',
      );
    }
    expect((await openAccount(admin, p.id)).view.status.disabled).toBe(true);
    expect((await logIn(svc, p.username, SEEDED_PASSWORD)).status).toBe(401);
    refused(await act(admin, p.id, 'convert-shared-login'), 409, 'conflict');
  });

  it('set holders: replaces the list with at most one owner; a personal account has none', async () => {
    const p = await person('lab', { shared: true, holders: holdersOf('Tech', 1) });
    const next = [
      { name: 'Gina Tech', email: 'gina.tech@example.org', phone: '555-0111', isOwner: true },
      { name: 'Hal Tech', email: 'hal.tech@example.org' },
    ];
    const result = ok(await putHolders(admin, p.id, next, { ticket: 'CHG-7' }));
    expect(result).toMatchObject<Partial<ActionResult>>({
      action: 'set-holders',
      summary: `${p.username} now has 2 holders`,
    });
    const { view } = await openAccount(admin, p.id);
    expect(view.holders.map(({ id: _id, ...h }) => h)).toEqual([
      { name: 'Gina Tech', email: 'gina.tech@example.org', phone: '555-0111', isOwner: true },
      { name: 'Hal Tech', email: 'hal.tech@example.org', phone: '', isOwner: false },
    ]);
    const [event] = await auditOf(svc, p.id, 'admin_action');
    expect(event?.detail).toMatchObject({ action: 'set-holders', ticket: 'CHG-7' });

    const twoOwners = next.map((h) => ({ ...h, isOwner: true }));
    refused(await putHolders(admin, p.id, twoOwners), 400, 'validation_failed');
    const personal = await person('solo');
    refused(await putHolders(admin, personal.id, next), 409, 'conflict');
    expect(mailsTo(smtp, 'gina.tech@example.org')).toHaveLength(0);
  });
});
