import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { seedAdmin } from '../support/admin.ts';
import { newId } from '../../service/ids.ts';
import { describeBrowser } from '../support/browser.ts';
import { mailTo, openAccount as viewOf, resetLinkIn, signedIn } from '../support/console.ts';
import { setUpPassword, signInOnLogInPage } from '../support/console-admin.ts';
import {
  openAccount,
  openSignedIn,
  record,
  startConsoleSuite,
  type ConsoleSuite,
} from '../support/console-e2e.ts';
import type { ConsoleHarness } from '../support/console-harness.ts';

// Issue 16 in the console, proven where it lands: the person's inbox, the service's Set Up
// Password and Log In pages, the account view and the store.

let suite: ConsoleSuite;
let h: ConsoleHarness;
const ORG = 'Harbour Clinic';
const NEW_PASSWORD = 'copper meadow lanterns drift';
const dialog = () => h.page.getByRole('dialog');

describeBrowser('console: creating, editing and importing accounts', () => {
  beforeAll(async () => {
    suite = await startConsoleSuite();
    const org = await seedOrganization(suite.svc.ctx, ORG, { adminTotpExempt: true });
    await seedAdmin(suite.svc.ctx, {
      organizationId: org,
      username: 'hana.admin',
      role: 'administrator',
    });
    await seedAccount(suite.svc.ctx, { organizationId: org, username: 'sam.taken' });
    // Hana administers a second organization too: accounts may move between the two.
    const bay = await seedOrganization(suite.svc.ctx, 'Bay Clinic', { adminTotpExempt: true });
    const hana = await suite.svc.ctx.db
      .selectFrom('accounts')
      .select('id')
      .where('username', '=', 'hana.admin')
      .executeTakeFirstOrThrow();
    await suite.svc.ctx.db
      .insertInto('role_grants')
      .values({
        id: newId(),
        account_id: hana.id,
        role: 'administrator',
        organization_id: bay,
        created_at: suite.svc.clock.now(),
      })
      .execute();
    h = await suite.console();
    await openSignedIn(h, suite.url, { username: 'hana.admin' });
  }, 120_000);
  afterAll(async () => suite?.close());
  afterEach(async () => {
    if (await dialog().count()) await h.page.keyboard.press('Escape');
  });

  it('creates an account from the keyboard (a taken username named as typed); the invitation sets up a password that signs in', async () => {
    const { page } = h;
    await page.getByRole('button', { name: 'New account' }).click();
    await dialog().getByRole('heading', { name: 'New account' }).waitFor();
    // The dialog opens on its first field; everything below is typed, Tab to move on.
    await page.keyboard.type('sam.taken');
    await dialog()
      .getByText(/taken|another account/i)
      .waitFor();
    expect(await dialog().getByLabel('Username').getAttribute('aria-invalid')).toBe('true');
    await record(page, 'console-new-account-clash');
    await dialog().getByLabel('Username').fill('sam.rivera');
    await dialog().getByText('sam.rivera is available.').waitFor();
    await page.keyboard.press('Tab');
    await page.keyboard.type('sam.rivera@harbour.example.org');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Sam Rivera');
    await page.keyboard.press('Tab');
    await page.keyboard.type('+1 555 0142');
    // Only the organizations Hana may create accounts in are offered.
    const organization = dialog().getByLabel('Organization');
    expect(await organization.locator('option').allInnerTexts()).toEqual([
      'Choose…',
      'Bay Clinic',
      ORG,
    ]);
    await organization.selectOption({ label: ORG });
    await dialog()
      .getByRole('checkbox', { name: /EMResource/ })
      .check();
    await dialog()
      .getByLabel(/^Why\?/)
      .fill('New starter, ward 4');
    await record(page, 'console-new-account-form');
    await dialog()
      .getByLabel(/^Why\?/)
      .press('Control+Enter');
    await dialog()
      .getByRole('status')
      .filter({ hasText: 'sam.rivera was created in Harbour Clinic' })
      .waitFor();
    await record(page, 'console-new-account-created');
    await dialog().getByRole('button', { name: 'Open the account' }).click();
    await page.getByRole('heading', { level: 2, name: /^sam\.rivera/ }).waitFor();

    const mail = await mailTo(suite.smtp, 'sam.rivera@harbour.example.org', /./);
    await setUpPassword(
      suite.browser,
      resetLinkIn(mail),
      NEW_PASSWORD,
      'new-account-set-up-password',
    );
    const signed = await signInOnLogInPage(
      suite.browser,
      suite.svc.url,
      'sam.rivera',
      NEW_PASSWORD,
    );
    expect(signed.heading).toBe('Security Question');
    await signed.page.close();
  }, 120_000);

  it('fixes a misspelled email: both the old and the new address are told', async () => {
    await seedAccount(suite.svc.ctx, {
      organizationId: (await orgId()) ?? '',
      username: 'lee.okafor',
      email: 'lee.okafor@harbuor.example.org',
    });
    await openAccount(h.page, 'lee.ok', 'lee.okafor');
    await h.page.getByRole('button', { name: 'Edit identity' }).click();
    const email = dialog().getByLabel('Email');
    expect(await email.inputValue()).toBe('lee.okafor@harbuor.example.org');
    await email.fill('lee.okafor@harbour');
    await dialog()
      .getByLabel(/^Why\?/)
      .fill('Email misspelled at intake');
    await dialog()
      .getByRole('button', { name: /Save changes/ })
      .click();
    // Named next to the field before anything is sent.
    await dialog().getByText('Enter an email address such as name@example.org.').waitFor();
    expect(await email.getAttribute('aria-invalid')).toBe('true');
    await record(h.page, 'console-edit-identity-bad-email');
    await email.fill('lee.okafor@harbour.example.org');
    await dialog()
      .getByRole('button', { name: /Save changes/ })
      .click();
    await dialog().getByRole('status').filter({ hasText: '✓' }).waitFor();
    expect(await dialog().innerText()).toContain(
      'email: lee.okafor@harbuor.example.org → lee.okafor@harbour.example.org',
    );
    await record(h.page, 'console-edit-identity-done');
    await dialog().getByRole('button', { name: 'Close' }).first().click();
    await h.page
      .getByRole('region', { name: /Identity/ })
      .getByText('lee.okafor@harbour.example.org')
      .waitFor();
    const old = await mailTo(suite.smtp, 'lee.okafor@harbuor.example.org', /./);
    const fresh = await mailTo(suite.smtp, 'lee.okafor@harbour.example.org', /./);
    expect(old.text).toContain('lee.okafor@harbour.example.org');
    expect(fresh.text.length).toBeGreaterThan(0);
  }, 60_000);

  it('gives EMTrack: the products change with a reason and the view shows it', async () => {
    await openAccount(h.page, 'sam.riv', 'sam.rivera');
    await h.page.getByRole('button', { name: 'Change products' }).click();
    const emtrack = dialog().getByRole('checkbox', { name: /EMTrack/ });
    expect(await emtrack.isChecked()).toBe(false);
    await emtrack.check();
    await dialog()
      .getByLabel(/^Why\?/)
      .fill('Moved to the transport desk, needs EMTrack');
    await record(h.page, 'console-change-products');
    await dialog()
      .getByRole('button', { name: /Save products/ })
      .click();
    await dialog().getByRole('status').filter({ hasText: '✓' }).waitFor();
    await dialog().getByRole('button', { name: 'Close' }).first().click();
    await h.page
      .getByRole('region', { name: /Identity/ })
      .getByText(/EMTrack/)
      .waitFor();
    const row = await suite.svc.ctx.db
      .selectFrom('account_products as ap')
      .innerJoin('accounts as a', 'a.id', 'ap.account_id')
      .select('ap.product_id')
      .where('a.username', '=', 'sam.rivera')
      .execute();
    expect(row.map((r) => r.product_id).sort()).toEqual(['emresource', 'emtrack']);
  });

  it('a colleague changed the account meanwhile: the stale notice shows what changed, and the retry saves on the new version (R88)', async () => {
    await openAccount(h.page, 'sam.riv', 'sam.rivera');
    await h.page.getByRole('button', { name: 'Edit identity' }).click();
    await dialog().getByLabel('Name', { exact: true }).fill('Samuel Rivera');
    await dialog()
      .getByLabel(/^Why\?/)
      .fill('Name as on the badge');
    // A colleague corrects the phone through the admin API after the dialog opened.
    const colleague = await signedIn(suite.svc, 'hana.admin');
    const id = (await accountIdOf('sam.rivera')) ?? '';
    const { etag } = await viewOf(colleague, id);
    const changed = await colleague.request(
      'PATCH',
      `/api/v1/accounts/${id}`,
      {
        phone: '+1 555 0199',
        reason: 'Phone from the caller',
      },
      { 'if-match': etag },
    );
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    await dialog()
      .getByRole('button', { name: /Save changes/ })
      .click();
    const stale = dialog()
      .getByRole('alert')
      .filter({ hasText: 'The account changed since you opened it' });
    await stale.waitFor();
    expect(await stale.innerText()).toContain('+1 555 0199');
    await record(h.page, 'console-edit-identity-stale-412');
    await stale.getByRole('button', { name: 'Retry on the new version' }).click();
    await dialog().getByRole('status').filter({ hasText: '✓' }).waitFor();
    await dialog().getByRole('button', { name: 'Close' }).first().click();
    await h.page.getByRole('heading', { level: 2, name: /Samuel Rivera/ }).waitFor();
    // Only the name was sent: the colleague's phone stands.
    const after = await viewOf(colleague, id);
    expect(after.view).toMatchObject({ name: 'Samuel Rivera', phone: '+1 555 0199' });
  });

  it('moves an account to another organization the administrator also manages', async () => {
    await openAccount(h.page, 'lee.ok', 'lee.okafor');
    await h.page.getByRole('button', { name: 'Move organization' }).click();
    const to = dialog().getByLabel(`Move from ${ORG} to`);
    expect(await to.locator('option').allInnerTexts()).toEqual(['Choose…', 'Bay Clinic']);
    await dialog()
      .getByLabel(/^Why\?/)
      .fill('Transferred to Bay Clinic');
    await dialog()
      .getByRole('button', { name: /Move account/ })
      .click();
    await dialog().getByText('Choose an organization.').waitFor();
    expect(await to.getAttribute('aria-invalid')).toBe('true');
    await to.selectOption({ label: 'Bay Clinic' });
    await record(h.page, 'console-move-organization');
    await dialog()
      .getByRole('button', { name: /Move account/ })
      .click();
    await dialog().getByRole('status').filter({ hasText: '✓' }).waitFor();
    await dialog().getByRole('button', { name: 'Close' }).first().click();
    await h.page.getByRole('heading', { level: 2, name: /^lee\.okafor/ }).waitFor();
    await h.page.getByText(/Production · Bay Clinic · version/).waitFor();
  });
});

async function orgId(): Promise<string | undefined> {
  const row = await suite.svc.ctx.db
    .selectFrom('organizations')
    .select('id')
    .where('name', '=', ORG)
    .executeTakeFirst();
  return row?.id;
}

async function accountIdOf(username: string): Promise<string | undefined> {
  const row = await suite.svc.ctx.db
    .selectFrom('accounts')
    .select('id')
    .where('username', '=', username)
    .executeTakeFirst();
  return row?.id;
}
