import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { QUESTION, seedAccount, seedOrganization } from '../support/accounts.ts';
import { seedAdmin } from '../support/admin.ts';
import { describeBrowser } from '../support/browser.ts';
import { act, lockOut, mailTo, outboxOf, SEEDED_ANSWER, signedIn } from '../support/console.ts';
import {
  closeDialog,
  confirmInDialog,
  openAccount,
  openSignedIn,
  record,
  startConsoleSuite,
  type ConsoleSuite,
} from '../support/console-e2e.ts';
import type { ConsoleHarness } from '../support/console-harness.ts';
import { registerClient } from '../../service/oidc/clients.ts';
import { queueProductLogout } from '../../service/oidc/product-sessions.ts';
import { recoveryProcessed, WebClient } from '../support/service.ts';

// The actions of SPEC §3 as an administrator takes them in the console, each checked where it
// lands: the email that arrives, the Log In page, the holders' inboxes, the audit log.

let suite: ConsoleSuite;
let h: ConsoleHarness;
let org: string;

const REASON = 'Caller on the phone, ticket in hand';

const dialog = () => h.page.getByRole('dialog');

/** Opens an action's dialog from the account's action bar. */
async function choose(page: Page, action: string): Promise<void> {
  await page
    .getByRole('region', { name: 'Actions' })
    .getByRole('button', { name: action, exact: true })
    .click();
  await dialog().waitFor();
}

/** Types the caller's spoken answer into the dialog's verification and waits for the match. */
async function verifyByAnswer(answer = SEEDED_ANSWER): Promise<void> {
  await dialog()
    .getByLabel(/Answer the caller gives/)
    .fill(answer);
  await dialog().getByRole('button', { name: 'Check answer' }).click();
  await dialog()
    .getByText(/Caller verified by security answer/)
    .waitFor();
}

/** Gives the reason (and ticket) and confirms; answers the summary the service wrote. */
const confirm = (button: string, ticket?: string) =>
  confirmInDialog(h.page, button, REASON, ticket);

describeBrowser('console: actions on accounts', () => {
  beforeAll(async () => {
    suite = await startConsoleSuite();
    org = await seedOrganization(suite.svc.ctx, 'Demo Health', { adminTotpExempt: true });
    await seedAdmin(suite.svc.ctx, {
      organizationId: org,
      username: 'ada.admin',
      role: 'administrator',
    });
    await seedAdmin(suite.svc.ctx, { organizationId: org, username: 'hal.help', role: 'helpdesk' });
    h = await suite.console();
    await openSignedIn(h, suite.url, { username: 'ada.admin' });
  }, 120_000);
  afterAll(async () => suite?.close());
  // A failed scenario must not leave its dialog over the next one.
  afterEach(async () => {
    if (await dialog().count()) await h.page.keyboard.press('Escape');
  });

  it('sends a reset email; the service’s summary confirms it and the email arrives', async () => {
    await seedAccount(suite.svc.ctx, { organizationId: org, username: 'alex.reset' });
    await openAccount(h.page, 'alex.re', 'alex.reset');
    await record(h.page, 'console-account-view');
    await choose(h.page, 'Send reset email');
    await record(h.page, 'console-action-reset-email-dialog');
    const summary = await confirm('Send reset email', 'HD-1001');
    // The link's end in the agent's own zone, named (issue 15), not the service's UTC.
    expect(summary).toMatch(
      /^Reset email queued for a…@example\.org, link valid until .*\d\d:\d\d.* (UTC|GMT|[A-Z]{2,5})/,
    );
    const mail = await mailTo(suite.smtp, 'alex.reset@example.org', /Reset the password/);
    expect(mail.text).toContain('/reset/');
    await closeDialog(h.page);
    // The email's delivery shows in the account view.
    await h.page.getByRole('button', { name: 'Refresh' }).click();
    const emails = h.page.getByRole('region', { name: 'Recent emails' });
    await emails.getByRole('row', { name: /Reset the password of alex\.reset.*Sent/ }).waitFor();
    await expect
      .poll(() => h.page.getByRole('region', { name: 'Audit timeline' }).innerText())
      .toContain('HD-1001');
  });

  it('unlocks a locked account after the caller answers their question', async () => {
    await seedAccount(suite.svc.ctx, { organizationId: org, username: 'erin.locked' });
    await lockOut(suite.svc, 'erin.locked');
    await openAccount(h.page, 'erin.lo', 'erin.locked');
    const status = await h.page.getByRole('region', { name: 'Status' }).innerText();
    expect(status).toMatch(/Locked since/);
    expect(status).toContain('Too many failed sign-ins');
    expect(status).toMatch(/Failed attempts\s+5/);
    await choose(h.page, 'Unlock');
    // Unlocking needs a verified caller: the button waits for it.
    expect(await dialog().getByRole('button', { name: 'Unlock account' }).isDisabled()).toBe(true);
    await verifyByAnswer();
    await record(h.page, 'console-action-unlock-verified');
    const summary = await confirm('Unlock account');
    expect(summary).toBe('erin.locked unlocked; the owner was told by email');
    await closeDialog(h.page);
    await expect
      .poll(() => h.page.getByRole('region', { name: 'Status' }).innerText())
      .toMatch(/State\s+Active/);
    await mailTo(suite.smtp, 'erin.locked@example.org', /is unlocked/);
  });

  it('R47 SPEC §3: one verification, one action: after an Unlock the panel is unverified and the next action asks again; End call and another account forget it', async () => {
    await seedAccount(suite.svc.ctx, { organizationId: org, username: 'una.once' });
    await seedAccount(suite.svc.ctx, { organizationId: org, username: 'otto.other' });
    await lockOut(suite.svc, 'una.once');
    await openAccount(h.page, 'una.on', 'una.once');
    const panel = h.page.getByRole('region', { name: 'Verify the caller', exact: true });
    const status = panel.getByRole('status');
    const verifyInPanel = async () => {
      await panel.getByLabel(/Answer the caller gives/).fill(SEEDED_ANSWER);
      await panel.getByRole('button', { name: 'Check answer' }).click();
      await status.filter({ hasText: /Caller verified by security answer/ }).waitFor();
    };

    await verifyInPanel();
    await choose(h.page, 'Unlock');
    await dialog()
      .getByText(/recorded with this action, which uses it up/)
      .waitFor();
    expect(await confirm('Unlock account')).toBe('una.once unlocked; the owner was told by email');
    await closeDialog(h.page);
    await status
      .filter({ hasText: 'Verification used for Unlock. The caller is not verified now.' })
      .waitFor();
    await record(h.page, 'console-verification-used');
    // The next action that needs a verified caller asks for one again.
    await choose(h.page, 'Set temporary password');
    await dialog().getByRole('heading', { name: 'Verify the caller first' }).waitFor();
    const setIt = dialog().getByRole('button', { name: 'Set temporary password', exact: true });
    expect(await setIt.isDisabled()).toBe(true);
    await closeDialog(h.page);

    // End call, by its button and by its key: the status (a live region) says so.
    await verifyInPanel();
    const endCall = panel.getByRole('button', { name: 'End call' });
    expect(await endCall.getAttribute('aria-keyshortcuts')).toContain('Control+Shift+E');
    await endCall.click();
    await status.filter({ hasText: 'Call ended. The caller is not verified now.' }).waitFor();
    await verifyInPanel();
    await h.page.keyboard.press('Control+Shift+E');
    await status.filter({ hasText: 'Call ended. The caller is not verified now.' }).waitFor();

    // Another account is another call: coming back, the caller is not verified.
    await verifyInPanel();
    await openAccount(h.page, 'otto.ot', 'otto.other');
    await status.filter({ hasText: 'The caller is not verified yet.' }).waitFor();
    await openAccount(h.page, 'una.on', 'una.once');
    await status.filter({ hasText: 'The caller is not verified yet.' }).waitFor();
    await choose(h.page, 'Set temporary password');
    expect(await setIt.isDisabled()).toBe(true);
    await closeDialog(h.page);
  });

  it('SPEC §3: a verification already used elsewhere is refused, and the dialog asks to verify again', async () => {
    const id = await seedAccount(suite.svc.ctx, { organizationId: org, username: 'vic.twice' });
    await openAccount(h.page, 'vic.tw', 'vic.twice');
    const panel = h.page.getByRole('region', { name: 'Verify the caller', exact: true });
    await panel.getByLabel(/Answer the caller gives/).fill(SEEDED_ANSWER);
    await panel.getByRole('button', { name: 'Check answer' }).click();
    await panel.getByText(/Caller verified by security answer/).waitFor();
    // The same agent spends it from another window (here: the API, as that window would).
    const { id: verificationId } = await suite.svc.ctx.db
      .selectFrom('verifications')
      .select('id')
      .where('account_id', '=', id)
      .executeTakeFirstOrThrow();
    const elsewhere = await signedIn(suite.svc, 'ada.admin');
    expect((await act(elsewhere, id, 'send-reset-email', { verificationId })).status).toBe(200);
    await h.page.getByRole('button', { name: 'Refresh' }).click();
    await h.page.getByText(/version 2/).waitFor();

    await choose(h.page, 'Set temporary password');
    await dialog()
      .getByText(/recorded with this action/)
      .waitFor();
    await dialog()
      .getByLabel(/^Why\?/)
      .fill(REASON);
    await dialog().getByRole('button', { name: 'Set temporary password', exact: true }).click();
    await dialog()
      .getByText(/was used by an earlier action.*Verify the caller again/)
      .waitFor();
    await dialog().getByRole('heading', { name: 'Verify the caller first' }).waitFor();
    await record(h.page, 'console-verification-refused');
    await closeDialog(h.page);
  });

  it('clears a security question (caller verified by an emailed code); then the forgotten-password email says to call an administrator', async () => {
    await seedAccount(suite.svc.ctx, { organizationId: org, username: 'quinn.q' });
    await openAccount(h.page, 'quinn', 'quinn.q');
    expect(
      await h.page.getByRole('region', { name: 'Sign-in and password' }).innerText(),
    ).toContain(QUESTION);
    await choose(h.page, 'Clear security question');
    await dialog().getByRole('button', { name: 'Email a code' }).click();
    const codeMail = await mailTo(suite.smtp, 'quinn.q@example.org', /verification code/);
    const code = /\b(\d{6})\b/.exec(codeMail.text)?.[1] ?? '';
    await dialog().getByLabel('Code the caller reads out').fill(code);
    await dialog().getByRole('button', { name: 'Check code' }).click();
    await dialog()
      .getByText(/Caller verified by emailed code/)
      .waitFor();
    const summary = await confirm('Clear security question');
    expect(summary).toMatch(/^Security question of quinn\.q cleared/);
    await closeDialog(h.page);
    await expect
      .poll(() => h.page.getByRole('region', { name: 'Sign-in and password' }).innerText())
      .toMatch(/None: a forgotten-password email tells the holder to call an administrator/);
    await record(h.page, 'console-question-cleared');

    const web = new WebClient(suite.svc.url);
    await web.post('/forgot-password', { identifier: 'quinn.q' });
    await recoveryProcessed(suite.svc);
    const mail = await mailTo(
      suite.smtp,
      'quinn.q@example.org',
      /About your password reset request/,
    );
    expect(mail.text).toMatch(/contact your organization’s administrator/);
    expect(mail.text).not.toContain('/reset/');
  });

  it('sets a temporary password: shown once, in threes, spelt out; copy clears after 30 s; it signs in on Log In and must be changed', async () => {
    await seedAccount(suite.svc.ctx, { organizationId: org, username: 'tess.temp' });
    await openAccount(h.page, 'tess', 'tess.temp');
    await choose(h.page, 'Set temporary password');
    const impact = await dialog()
      .getByRole('heading', { name: 'What this changes' })
      .locator('..')
      .innerText();
    for (const product of ['EMResource', 'eICS', 'EMTrack']) expect(impact).toContain(product);
    expect(impact).toMatch(/0 sessions will end/);
    await verifyByAnswer();
    const summary = await confirm('Set temporary password', 'HD-2002');
    expect(summary).toMatch(
      /^Temporary password set for tess\.temp; 0 sessions ended; the owner was told by email/,
    );
    const shown = await dialog().getByTestId('temporary-password').innerText();
    expect(shown).toMatch(/^[2-9A-Z]{3}( [2-9A-Z]{3}){5}$/);
    const password = shown.replace(/\s/g, '');
    // Each group read out character by character: "K as in Kilo, 7 seven, M as in Mike".
    const lines = await dialog().locator('.phonetic li').allInnerTexts();
    expect(lines).toHaveLength(6);
    for (const [i, line] of lines.entries()) {
      const group = password.slice(i * 3, i * 3 + 3);
      const spoken = [...group].map((c) =>
        /\d/.test(c) ? `${c} [a-z]+` : `${c} as in [A-Z][a-z-]+`,
      );
      expect(line).toMatch(new RegExp(`^${group} ${spoken.join(', ')}$`, 'i'));
    }
    await record(h.page, 'console-temporary-password');

    await dialog().getByRole('button', { name: 'Copy' }).click();
    await dialog()
      .getByText(/Copied\. The clipboard clears at/)
      .waitFor();
    expect(h.clipboard.text).toBe(password);
    h.timers.advance(29_000);
    expect(h.clipboard.text).toBe(password);
    h.timers.advance(1_000);
    await expect.poll(() => h.clipboard.text).toBe('');

    await closeDialog(h.page);
    expect(await h.page.content()).not.toContain(password);

    const login = await suite.browser.newPage();
    await login.goto(`${suite.svc.url}/login`);
    await login.getByLabel('Email or Username').fill('tess.temp');
    await login.getByLabel('Password').fill(password);
    await login.getByRole('button', { name: 'Log In' }).click();
    await login.getByRole('heading', { level: 1, name: 'Change Password' }).waitFor();
    await login.close();
  });

  it('SPEC §2 R26: resets frontdesk.er for the holder on the phone; the shared password is shown once, signs in without a forced change, and every holder is told who got it', async () => {
    const holders = [
      { name: 'Pat Nightingale', email: 'pat@demo.example.org' },
      { name: 'Lee Barton', email: 'lee@demo.example.org' },
      { name: 'Kim Osei', email: 'kim@demo.example.org' },
    ];
    await seedAccount(suite.svc.ctx, {
      organizationId: org,
      username: 'frontdesk.er',
      shared: true,
      holders,
    });
    await lockOut(suite.svc, 'frontdesk.er');
    suite.smtp.clear();
    await openAccount(h.page, 'frontdesk', 'frontdesk.er');
    expect(
      await h.page.getByRole('region', { name: /Holders of this shared login/ }).innerText(),
    ).toContain('Kim Osei');

    // The dialog offers conversion instead; it opens the guided conversion.
    await choose(h.page, 'Reset shared login');
    await dialog().getByRole('button', { name: 'Convert to personal accounts instead' }).click();
    await dialog()
      .getByRole('heading', { name: /^Convert to personal accounts: frontdesk\.er/ })
      .waitFor();
    await h.page.keyboard.press('Escape');
    await dialog().waitFor({ state: 'detached' });

    await choose(h.page, 'Reset shared login');
    const caller = dialog().getByLabel('Which holder is on the phone?');
    // The first field, focused when the dialog opens.
    expect(await caller.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await dialog().innerText()).toMatch(
      /The new password is shared[\s\S]*will not have to be changed[\s\S]*Every holder is told by email who received it/,
    );
    const told = await dialog()
      .getByText(/^Every holder is told who received it, without the password/)
      .innerText();
    for (const holder of holders) expect(told).toContain(`${holder.name} <${holder.email}>`);
    await caller.selectOption({ label: 'Lee Barton (lee@demo.example.org)' });
    await verifyByAnswer();
    const summary = await confirm('Reset shared login');
    expect(summary).toMatch(
      /^Shared password of frontdesk\.er given to Lee Barton by ada\.admin; 0 sessions ended; the login's address and 3 holders were told by email/,
    );
    const shown = dialog().getByRole('region', { name: 'Shared password, shown once' });
    expect(await shown.innerText()).toContain('does not have to be changed');
    const password = (await dialog().getByTestId('temporary-password').innerText()).replace(
      /\s/g,
      '',
    );
    expect(password).toMatch(/^[2-9A-Z]{18}$/);
    await record(h.page, 'console-shared-login-reset');
    await closeDialog(h.page);

    // Shown once: the dialog opened again holds no password.
    await choose(h.page, 'Reset shared login');
    expect(await dialog().getByTestId('temporary-password').count()).toBe(0);
    await h.page.keyboard.press('Escape');

    // Two holders sign in with it, and neither is asked to change it.
    for (const holder of ['Lee Barton', 'Kim Osei']) {
      const signIn = await new WebClient(suite.url).post('/login', {
        identifier: 'frontdesk.er',
        password,
      });
      expect(signIn.location, holder).toBe('/');
    }
    for (const holder of holders) {
      const mail = await mailTo(suite.smtp, holder.email, /was reset for Lee Barton$/);
      expect(mail.text).toContain('The new password was given to Lee Barton');
      expect(mail.text).toContain('ada.admin, an administrator');
      expect(mail.raw).not.toContain(password);
    }
  });

  it('a colleague’s change while the dialog is open is shown before confirming, and the action goes on the new version', async () => {
    const id = await seedAccount(suite.svc.ctx, { organizationId: org, username: 'sam.stale' });
    await openAccount(h.page, 'sam.st', 'sam.stale');
    await choose(h.page, 'Send reset email');
    // Meanwhile a colleague sends a username reminder: the dialog re-checks and says so
    // (issue 15) before anything is sent; a 412 remains the guard for a change in between.
    const colleague = await signedIn(suite.svc, 'ada.admin');
    expect((await act(colleague, id, 'send-username-reminder')).status).toBe(200);
    const stale = dialog()
      .getByRole('alert')
      .filter({ hasText: 'The account changed since you opened it' });
    await stale.waitFor();
    const changes = await stale.getByRole('table', { name: 'What changed' }).innerText();
    expect(changes).toMatch(/Emails\s+0\s+1/);
    expect(changes).toContain('Administrator action');
    await record(h.page, 'console-action-changed-before-confirm');
    await stale.getByRole('button', { name: 'Continue on the new version' }).click();
    expect(await confirm('Send reset email')).toMatch(/Reset email queued/);
    await closeDialog(h.page);
  });

  it('a helpdesk user is offered none of the administrator actions', async () => {
    await seedAccount(suite.svc.ctx, {
      organizationId: org,
      username: 'shared.locked',
      shared: true,
      holders: [{ name: 'Robin Hale', email: 'robin@demo.example.org' }],
    });
    await lockOut(suite.svc, 'shared.locked');
    const adminActions = [
      'Set temporary password',
      'Clear security question',
      'Reset shared login',
      'Convert to personal accounts',
      'Disable',
    ];
    // The administrator sees them on this account...
    await openAccount(h.page, 'shared.lo', 'shared.locked');
    // Each button shows its shortcut after its label (issue 15): "Unlock Alt+U".
    const asAdmin = (
      await h.page.getByRole('region', { name: 'Actions' }).getByRole('button').allInnerTexts()
    ).map((text) => text.replace(/ Alt\+[A-Z]$/, ''));
    for (const action of adminActions.filter((a) => a !== 'Set temporary password'))
      expect(asAdmin).toContain(action);

    const helpdesk = await suite.console();
    await openSignedIn(helpdesk, suite.url, { username: 'hal.help' });
    await openAccount(helpdesk.page, 'shared.lo', 'shared.locked');
    const offered = await helpdesk.page
      .getByRole('region', { name: 'Actions' })
      .getByRole('button')
      .allInnerTexts();
    expect(offered).toEqual([
      'Send reset email Alt+R',
      'Send username reminder Alt+M',
      'Unlock Alt+U',
    ]);
    for (const action of adminActions)
      expect(offered.map((text) => text.replace(/ Alt\+[A-Z]$/, ''))).not.toContain(action);
    await record(helpdesk.page, 'console-helpdesk-actions');
  });

  it('an account without a security question tells the helpdesk why and who can help', async () => {
    await seedAccount(suite.svc.ctx, {
      organizationId: org,
      username: 'bo.noquestion',
      answer: null,
    });
    const helpdesk = await suite.console();
    await openSignedIn(helpdesk, suite.url, { username: 'hal.help' });
    await openAccount(helpdesk.page, 'bo.noq', 'bo.noquestion');
    const offered = await helpdesk.page
      .getByRole('region', { name: 'Actions' })
      .getByRole('button')
      .allInnerTexts();
    expect(offered).toEqual(['Send username reminder Alt+M']);
    const why = await helpdesk.page
      .getByRole('note', { name: 'Why some actions are not offered' })
      .innerText();
    expect(why).toContain('No reset link can be sent');
    expect(why).toContain('A temporary password needs the “Set temporary password” permission');
    expect(why).toMatch(/Who can help: .*administrators/);
    await record(helpdesk.page, 'console-helpdesk-no-question');
  });

  // Last: it moves the service's clock on by hours.
  it('an email that failed shows its delivery state and reason, and Resend sends it again', async () => {
    const { svc, smtp } = suite;
    const id = await seedAccount(svc.ctx, { organizationId: org, username: 'rita.resend' });
    await openAccount(h.page, 'rita', 'rita.resend');
    smtp.setFailing(true);
    await choose(h.page, 'Send username reminder');
    expect(await confirm('Send username reminder')).toBe(
      'Username reminder queued for r…@example.org',
    );
    await closeDialog(h.page);
    // The dispatcher retries with backoff for hours, then gives up and marks it failed.
    for (let step = 0; step < 10; step += 1) {
      svc.clock.advance(75 * 60_000);
      await svc.dispatcher.drain();
      const [mail] = await outboxOf(svc, id);
      if (mail?.status === 'failed') break;
    }
    smtp.setFailing(false);
    await h.page.getByRole('button', { name: 'Refresh' }).click();
    const emails = h.page.getByRole('region', { name: 'Recent emails' });
    const failed = emails.getByRole('row', { name: /Your username.*Failed/ });
    await failed.waitFor();
    expect(await failed.innerText()).toMatch(/after 9 attempts/);
    await failed.scrollIntoViewIfNeeded();
    await record(h.page, 'console-email-failed');
    await failed
      .getByRole('button', { name: /^Resend “Your username” to rita\.resend@example\.org/ })
      .click();
    await dialog().waitFor();
    const summary = await confirm('Resend email');
    expect(summary).toBe('“Your username” queued again for rita.resend@example.org');
    await closeDialog(h.page);
    await mailTo(smtp, 'rita.resend@example.org', /Your username/);
  });

  it('issue 14: the product sessions an account’s session end ended show in the view, delivered or waiting with their next try', async () => {
    const { svc } = suite;
    const { db, clock } = svc.ctx;
    const id = await seedAccount(svc.ctx, { organizationId: org, username: 'pia.products' });
    const client = async (product: string) => {
      const registered = await registerClient(db, clock, {
        product,
        redirectUris: ['http://127.0.0.1:9/callback'],
        backchannelLogoutUri: 'http://127.0.0.1:9/backchannel-logout',
      });
      if (!registered.ok) throw new Error(JSON.stringify(registered.problems));
      return registered.clientId;
    };
    const emresource = await client('emresource');
    const eics = await client('eics');
    await queueProductLogout(db, clock, { accountId: id, clientId: emresource, sid: 'sid-1' });
    await queueProductLogout(db, clock, { accountId: id, clientId: eics, sid: 'sid-2' });
    // What the dispatcher records after eICS answered and EMResource failed twice.
    const now = clock.now();
    await db
      .updateTable('oidc_logout_deliveries')
      .set({ status: 'delivered', attempts: 1, delivered_at: now, next_attempt_at: now })
      .where('client_id', '=', eics)
      .execute();
    await db
      .updateTable('oidc_logout_deliveries')
      .set({ attempts: 2, last_error: 'connect ECONNREFUSED', next_attempt_at: now + 120_000 })
      .where('client_id', '=', emresource)
      .execute();
    await openAccount(h.page, 'pia.pr', 'pia.products');
    const ended = h.page.getByRole('region', { name: 'Product sessions ended (2)' });
    const waiting = ended.getByRole('row', { name: /EMResource/ });
    await waiting.waitFor();
    expect(await waiting.innerText()).toMatch(
      /Waiting after 2 attempts; next try .+ \(connect ECONNREFUSED\)/,
    );
    expect(await ended.getByRole('row', { name: /eICS/ }).innerText()).toMatch(/Delivered \S/);
    const times = await ended
      .locator('time')
      .evaluateAll((els) => els.map((el) => [el.getAttribute('datetime'), el.textContent]));
    expect(times).toContainEqual([new Date(now + 120_000).toISOString(), expect.any(String)]);
  });
});
