import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { seedAdmin } from '../support/admin.ts';
import { describeBrowser } from '../support/browser.ts';
import {
  act,
  actVerified,
  mailTo,
  resetLinkIn,
  SEEDED_PASSWORD,
  signedIn,
} from '../support/console.ts';
import { expectSignInRefused, setUpPassword, signInOnLogInPage } from '../support/console-admin.ts';
import {
  openAccount,
  openSignedIn,
  record,
  startConsoleSuite,
  type ConsoleSuite,
} from '../support/console-e2e.ts';
import type { ConsoleHarness } from '../support/console-harness.ts';

// Converting a shared login into personal accounts in the console (SPEC §2, issue 5), proven
// where it lands: each holder's inbox, the service's Set Up Password and Log In pages.

let suite: ConsoleSuite;
let h: ConsoleHarness;
let org: string;
let sharedId: string;

const NEW_PASSWORD = 'lantern quarry whistles east';
const HOLDERS = [
  { name: 'Jo Rivers', email: 'jo.rivers@triage.example.org' },
  { name: 'Mo Banks', email: 'mo.banks@triage.example.org' },
  { name: 'Ty Fields', email: 'ty.fields@triage.example.org' },
];
const dialog = () => h.page.getByRole('dialog');

describeBrowser('console: converting a shared login', () => {
  beforeAll(async () => {
    suite = await startConsoleSuite();
    org = await seedOrganization(suite.svc.ctx, 'Triage Clinic', { adminTotpExempt: true });
    await seedAdmin(suite.svc.ctx, {
      organizationId: org,
      username: 'cara.admin',
      role: 'administrator',
    });
    // Someone already holds the name an administrator might type for Mo.
    await seedAccount(suite.svc.ctx, { organizationId: org, username: 'mo.taken' });
    h = await suite.console();
    await openSignedIn(h, suite.url, { username: 'cara.admin' });
  }, 120_000);
  afterAll(async () => suite?.close());
  afterEach(async () => {
    if (await dialog().count()) await h.page.keyboard.press('Escape');
  });

  it('shows the holders and every password change with who did it and how', async () => {
    const id = (sharedId = await seedAccount(suite.svc.ctx, {
      organizationId: org,
      username: 'triage.desk',
      shared: true,
      holders: HOLDERS,
    }));
    const colleague = await signedIn(suite.svc, 'cara.admin');
    await actVerified(colleague, id, 'reset-shared-login');
    await openAccount(h.page, 'triage.de', 'triage.desk');
    const holders = await h.page
      .getByRole('region', { name: /Holders of this shared login/ })
      .innerText();
    for (const holder of HOLDERS) expect(holders).toContain(holder.email);
    const history = h.page.getByRole('region', { name: /Password changes \(1\)/ });
    expect(await history.innerText()).toMatch(
      /shared password given to a holder in the console\s+you \(cara\.admin\)/,
    );
    await history.scrollIntoViewIfNeeded();
    await record(h.page, 'console-shared-login-history');
  });

  it('converts: review holders, a clash named next to its field, fix it, see what each receives, confirm (a stale version meets 412 and retries), result per holder; each invite sets up a working account and the shared login is disabled', async () => {
    await h.page
      .getByRole('region', { name: 'Actions' })
      .getByRole('button', { name: 'Convert to personal accounts' })
      .click();
    await dialog()
      .getByRole('heading', { name: /Step 1 of 3: Review the holders/ })
      .waitFor();
    const jo = dialog().getByLabel('Username for Jo Rivers');
    await jo.waitFor();
    expect(await jo.inputValue()).toBe('jo.rivers');
    await record(h.page, 'console-conversion-review');

    // A name someone already holds: refused next to Mo's field, nothing done.
    const mo = dialog().getByLabel('Username for Mo Banks');
    await mo.fill('mo.taken');
    await dialog().getByRole('button', { name: 'Check usernames and continue' }).click();
    await dialog().getByText('“mo.taken” is taken by another account.').waitFor();
    expect(await mo.getAttribute('aria-invalid')).toBe('true');
    await record(h.page, 'console-conversion-clash');

    await mo.fill('mo.personal');
    await dialog().getByRole('button', { name: 'Check usernames and continue' }).click();
    const receives = dialog().getByRole('table', { name: 'What each holder will receive' });
    await receives.waitFor();
    const plan = await receives.innerText();
    expect(plan).toMatch(/Mo Banks\s+mo\.personal\s+eICS, EMResource, EMTrack/);
    expect(plan).toContain(
      'A set-up-password link emailed to ty.fields@triage.example.org, valid 72 hours',
    );
    await record(h.page, 'console-conversion-receives');

    await dialog()
      .getByLabel(/^Why\?/)
      .fill('Shared login replaced by personal accounts, CHG-42');
    await dialog().getByLabel('Ticket number (optional)').fill('CHG-42');
    // A colleague acts on the shared login meanwhile: the conversion meets 412, nothing is
    // done, and it goes through on the new version (R88).
    const colleague = await signedIn(suite.svc, 'cara.admin');
    expect((await act(colleague, sharedId, 'send-username-reminder')).status).toBe(200);
    await dialog().getByRole('button', { name: 'Convert shared login', exact: true }).click();
    const stale = dialog()
      .getByRole('alert')
      .filter({ hasText: 'The account changed since you opened it' });
    await stale.waitFor();
    await record(h.page, 'console-conversion-stale-412');
    await stale.getByRole('button', { name: 'Retry on the new version' }).click();
    const result = dialog().getByRole('list', { name: 'Result per holder' });
    await result.waitFor();
    const lines = await result.getByRole('listitem').allInnerTexts();
    expect(lines).toEqual([
      '✓ Jo Rivers: account jo.rivers created; invitation emailed to jo.rivers@triage.example.org',
      '✓ Mo Banks: account mo.personal created; invitation emailed to mo.banks@triage.example.org',
      '✓ Ty Fields: account ty.fields created; invitation emailed to ty.fields@triage.example.org',
    ]);
    await record(h.page, 'console-conversion-result');
    await dialog().getByRole('button', { name: 'Close', exact: true }).first().click();

    // The shared login is disabled in the view and on the Log In page.
    await h.page
      .getByRole('region', { name: 'Status' })
      .getByText(/Disabled since/)
      .waitFor();
    await expectSignInRefused(suite.browser, suite.svc.url, 'triage.desk', SEEDED_PASSWORD);

    // Each holder follows their own invitation and signs in as their new account.
    const usernames = ['jo.rivers', 'mo.personal', 'ty.fields'];
    for (const [i, holder] of HOLDERS.entries()) {
      const username = usernames[i] ?? '';
      const mail = await mailTo(suite.smtp, holder.email, /^Your own account/);
      expect(mail.text).toContain(`Yours is ${username}`);
      await setUpPassword(
        suite.browser,
        resetLinkIn(mail),
        NEW_PASSWORD,
        i === 0 ? 'conversion-invite-set-up-password' : undefined,
      );
      const signedInPage = await signInOnLogInPage(
        suite.browser,
        suite.svc.url,
        username,
        NEW_PASSWORD,
      );
      // A new account chooses its security question first (SPEC §1).
      expect(signedInPage.heading).toBe('Security Question');
      await signedInPage.page.close();
    }
  }, 180_000);
});
