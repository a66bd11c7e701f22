import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { Organization } from '../../common/api/organizations.ts';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { ApiClient, seedAdmin } from '../support/admin.ts';
import { describeBrowser } from '../support/browser.ts';
import { act, SEEDED_PASSWORD, signedIn } from '../support/console.ts';
import { expectSignInRefused, signInOnLogInPage } from '../support/console-admin.ts';
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

// The administrators' actions of issue 5 in the console, each checked where it takes effect:
// the service's Log In page, the admin API the grantee signs in to, the next sign-in's lockout.

let suite: ConsoleSuite;
let h: ConsoleHarness;
let org: string;

const REASON = 'Requested by the ward manager, CHG-77';
const dialog = () => h.page.getByRole('dialog');
const actions = () => h.page.getByRole('region', { name: 'Actions' });

const confirmIn = (button: string) => confirmInDialog(h.page, button, REASON);

describeBrowser('console: administrators’ actions', () => {
  beforeAll(async () => {
    suite = await startConsoleSuite();
    org = await seedOrganization(suite.svc.ctx, 'Northside Health', { adminTotpExempt: true });
    await seedAdmin(suite.svc.ctx, {
      organizationId: org,
      username: 'nora.admin',
      role: 'administrator',
    });
    h = await suite.console();
    await openSignedIn(h, suite.url, { username: 'nora.admin' });
  }, 120_000);
  afterAll(async () => suite?.close());
  afterEach(async () => {
    if (await dialog().count()) await h.page.keyboard.press('Escape');
  });

  it('disable: the Log In page refuses the account (R39: the generic failure); enable: it signs in again', async () => {
    await seedAccount(suite.svc.ctx, { organizationId: org, username: 'dana.disable' });
    await openAccount(h.page, 'dana.di', 'dana.disable');
    await actions().getByRole('button', { name: 'Disable', exact: true }).click();
    await record(h.page, 'console-disable-dialog');
    expect(await confirmIn('Disable account')).toBe(
      'dana.disable disabled; sessions and reset links ended',
    );
    await closeDialog(h.page);
    await h.page
      .getByRole('region', { name: 'Status' })
      .getByText(/Disabled since/)
      .waitFor();
    await expectSignInRefused(
      suite.browser,
      suite.svc.url,
      'dana.disable',
      SEEDED_PASSWORD,
      'disabled-account-log-in-refused',
    );

    await actions().getByRole('button', { name: 'Enable', exact: true }).click();
    expect(await confirmIn('Enable account')).toBe('dana.disable enabled');
    await closeDialog(h.page);
    await expect
      .poll(() => h.page.getByRole('region', { name: 'Status' }).innerText())
      .toMatch(/State\s+Active/);
    const { page, heading } = await signInOnLogInPage(
      suite.browser,
      suite.svc.url,
      'dana.disable',
      SEEDED_PASSWORD,
    );
    expect(heading).toBe('Your products');
    await page.close();
  }, 120_000);

  it('edits holders; a stale edit meets 412, shows what changed, and succeeds on the new version (R88)', async () => {
    const id = await seedAccount(suite.svc.ctx, {
      organizationId: org,
      username: 'lab.shared',
      shared: true,
      holders: [{ name: 'Ola Hart', email: 'ola@northside.example.org' }],
    });
    await openAccount(h.page, 'lab.sh', 'lab.shared');
    await actions().getByRole('button', { name: 'Edit holders' }).click();
    await dialog().getByRole('button', { name: 'Add a holder' }).click();
    await dialog().getByLabel('Name of holder 2').fill('Pim Vale');
    await dialog().getByLabel('Email of holder 2').fill('not-an-address');
    await dialog().getByLabel('Phone of holder 2').fill('555-0188');
    await dialog()
      .getByLabel(/^Owner/)
      .selectOption({ label: 'Pim Vale' });
    await dialog()
      .getByLabel(/^Why\?/)
      .fill(REASON);
    await dialog().getByRole('button', { name: 'Save holders' }).click();
    // Bad input: the service's sentence next to the field it names.
    const email = dialog().getByLabel('Email of holder 2');
    await dialog().getByText('Enter an email address such as name@example.org.').waitFor();
    expect(await email.getAttribute('aria-invalid')).toBe('true');
    await record(h.page, 'console-holders-bad-email');
    await email.fill('pim@northside.example.org');

    // Meanwhile a colleague acts on the account: this dialog's version is stale.
    const colleague = await signedIn(suite.svc, 'nora.admin');
    expect((await act(colleague, id, 'send-username-reminder')).status).toBe(200);
    await dialog().getByRole('button', { name: 'Save holders' }).click();
    const stale = dialog()
      .getByRole('alert')
      .filter({ hasText: 'The account changed since you opened it' });
    await stale.waitFor();
    await record(h.page, 'console-holders-stale-412');
    await stale.getByRole('button', { name: 'Retry on the new version' }).click();
    const done = dialog().locator('.done-summary');
    await done.waitFor();
    expect(await done.innerText()).toContain('lab.shared now has 2 holders');
    await closeDialog(h.page);
    const holders = h.page.getByRole('region', { name: /Holders of this shared login \(2\)/ });
    await holders.waitFor();
    expect(await holders.innerText()).toMatch(
      /Pim Vale\s+pim@northside\.example\.org\s+555-0188\s+Owner/,
    );
  }, 120_000);

  it('grants the helpdesk role (the grantee can then use the admin API) and revokes it (they no longer can), a stale revoke meeting 412 and retried (R88) — R67 power rule: only roles below one’s own are offered', async () => {
    const granteeId = await seedAccount(suite.svc.ctx, {
      organizationId: org,
      username: 'gil.grantee',
    });
    await openAccount(h.page, 'gil.gr', 'gil.grantee');
    const roles = h.page.getByRole('region', { name: 'Console roles' });
    await roles.getByRole('button', { name: 'Grant a role' }).click();
    const roleSelect = dialog().getByLabel('Role', { exact: true });
    // An administrator may grant only what is below their own rank.
    expect(await roleSelect.locator('option').allInnerTexts()).toEqual(['helpdesk']);
    await record(h.page, 'console-grant-role-dialog');
    expect(await confirmIn('Grant role')).toBe(
      'gil.grantee now holds the helpdesk role in Northside Health',
    );
    await closeDialog(h.page);
    await roles.getByText('helpdesk in Northside Health').waitFor();

    const grantee = new ApiClient(suite.svc.url);
    await grantee.signIn('gil.grantee', SEEDED_PASSWORD);
    const me = await grantee.get<{ grants: Array<{ role: string; permissions: string[] }> }>(
      '/api/v1/me',
    );
    expect(me.body.grants.map((g) => g.role)).toEqual(['helpdesk']);
    expect(me.body.grants[0]?.permissions).toContain('read_accounts');
    expect(me.body.grants[0]?.permissions).not.toContain('set_password');

    await roles.getByRole('button', { name: 'Revoke helpdesk' }).click();
    // Meanwhile a colleague acts on the account: this dialog's version is stale (R88).
    const colleague = await signedIn(suite.svc, 'nora.admin');
    expect((await act(colleague, granteeId, 'send-username-reminder')).status).toBe(200);
    await dialog()
      .getByLabel(/^Why\?/)
      .fill(REASON);
    await dialog().getByRole('button', { name: 'Revoke role' }).click();
    const stale = dialog()
      .getByRole('alert')
      .filter({ hasText: 'The account changed since you opened it' });
    await stale.waitFor();
    await record(h.page, 'console-role-stale-412');
    await stale.getByRole('button', { name: 'Retry on the new version' }).click();
    const done = dialog().locator('.done-summary');
    await done.waitFor();
    expect(await done.innerText()).toContain(
      'gil.grantee no longer holds the helpdesk role in Northside Health',
    );
    await closeDialog(h.page);
    await roles.getByText('No role: this account cannot sign in to the console.').waitFor();
    expect((await grantee.get('/api/v1/me')).status).toBe(401);
  }, 120_000);

  it('a policy edit takes effect on the next flow: a lower lockout threshold locks at the next sign-ins, a shorter reset-link lifetime sets the next link; a stale edit meets 412 and is laid over the new version', async () => {
    await seedAccount(suite.svc.ctx, { organizationId: org, username: 'lena.lockout' });
    await h.page
      .getByRole('navigation', { name: 'Screens' })
      .getByRole('button', { name: 'Organizations' })
      .click();
    const form = h.page.getByRole('form', { name: 'Policy of Northside Health' });
    await form.waitFor();
    const threshold = form.getByLabel('Failed sign-ins before lockout');
    expect(await threshold.inputValue()).toBe('5');
    await record(h.page, 'console-organization-policy');

    // A bad value is refused next to its field.
    await threshold.fill('0');
    await form.getByLabel(/^Why\?/).fill(REASON);
    await form.getByRole('button', { name: 'Save policy' }).click();
    await form
      .getByText(/Too small|>=1|at least 1/i)
      .first()
      .waitFor();
    expect(await threshold.getAttribute('aria-invalid')).toBe('true');

    // A colleague changes the contact meanwhile: this form's policy is stale.
    const colleague = await signedIn(suite.svc, 'nora.admin');
    const orgs = await colleague.get<{ items: Organization[] }>('/api/v1/organizations');
    const current = orgs.body.items.find((o) => o.id === org);
    if (!current) throw new Error('organization not listed');
    const put = await colleague.request(
      'PUT',
      `/api/v1/organizations/${org}/policy`,
      { policy: { ...current.policy, adminContact: 'Northside IT on 555-0100' }, reason: REASON },
      { 'if-match': current.etag },
    );
    expect(put.status, JSON.stringify(put.body)).toBe(200);

    await threshold.fill('2');
    await form.getByLabel('Reset-link lifetime (minutes)').fill('30');
    await form.getByRole('button', { name: 'Save policy' }).click();
    const stale = form
      .getByRole('alert')
      .filter({ hasText: 'The policy changed since you opened it' });
    await stale.waitFor();
    expect(await stale.innerText()).toContain('How account holders reach the administrators');
    await record(h.page, 'console-policy-stale-412');
    await stale.getByRole('button', { name: 'Apply my edits to the new version' }).click();
    await form
      .getByRole('status')
      .getByText(/Policy of Northside Health saved/)
      .waitFor();
    expect(await form.getByLabel('How account holders reach the administrators').inputValue()).toBe(
      'Northside IT on 555-0100',
    );
    expect(await threshold.inputValue()).toBe('2');

    // The next sign-ins: two failures now lock the account; the right password is refused.
    for (const guess of ['wrong guess one', 'wrong guess two'])
      await signInOnLogInPage(suite.browser, suite.svc.url, 'lena.lockout', guess).then((r) =>
        r.page.close(),
      );
    await expectSignInRefused(suite.browser, suite.svc.url, 'lena.lockout', SEEDED_PASSWORD);
    const account = await suite.svc.ctx.db
      .selectFrom('accounts')
      .select(['locked_at', 'failed_count'])
      .where('username', '=', 'lena.lockout')
      .executeTakeFirstOrThrow();
    expect(account.locked_at).not.toBeNull();

    // And the next reset email's link lives the new 30 minutes (the service's clock is the test's).
    const reset = await seedAccount(suite.svc.ctx, { organizationId: org, username: 'rory.reset' });
    const before = suite.svc.clock.now();
    const sent = await act(colleague, reset, 'send-reset-email');
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    expect(sent.body.linkExpiresAt).toBeGreaterThanOrEqual(before + 30 * 60_000);
    expect(sent.body.linkExpiresAt).toBeLessThanOrEqual(suite.svc.clock.now() + 30 * 60_000);
  }, 180_000);
});
