import { afterAll, beforeAll, expect, it } from 'vitest';
import { seedOrganization } from '../support/accounts.ts';
import { seedAdmin } from '../support/admin.ts';
import { describeBrowser, screenshot } from '../support/browser.ts';
import {
  openSignedIn,
  record,
  startConsoleSuite,
  type ConsoleSuite,
} from '../support/console-e2e.ts';
import type { ConsoleHarness } from '../support/console-harness.ts';
import { hashToken } from '../../service/ids.ts';
import { textOf } from '../support/service.ts';

// Issue 14: the Products screen, for super-administrators: the products in display order, a
// product added (its refusals named under their fields), moved to the top with the keyboard
// alone, and the service's pages naming the products in the new order.

let suite: ConsoleSuite;
let h: ConsoleHarness;
const REASON = 'CHG-2041: the county adds its CAD system';

const table = () => h.page.getByRole('table', { name: 'Products in display order' });
/** The products' names as the table lists them, top to bottom. */
const names = () => table().locator('tbody th[scope="row"]').allInnerTexts();
const focusedText = () =>
  h.page.evaluate(() => (document.activeElement as HTMLElement | null)?.innerText ?? '');

describeBrowser('console: the Products screen', () => {
  beforeAll(async () => {
    suite = await startConsoleSuite();
    const home = await seedOrganization(suite.svc.ctx, 'Latchkey Administrators', {
      adminTotpExempt: true,
    });
    await seedAdmin(suite.svc.ctx, {
      organizationId: home,
      username: 'sam.super',
      role: 'super_admin',
    });
    await seedAdmin(suite.svc.ctx, {
      organizationId: home,
      username: 'ada.admin',
      role: 'administrator',
    });
    h = await suite.console({ width: 1280, height: 900 });
    await openSignedIn(h, suite.url, { username: 'sam.super' });
  }, 120_000);
  afterAll(async () => suite?.close());

  /** The footer of the service's Log In page, opened in the same browser. */
  async function loginFooter(shot?: string): Promise<string> {
    const login = await h.context.newPage();
    await login.goto(new URL('/login', suite.url).toString());
    const footer = textOf(await login.locator('footer').innerHTML());
    if (shot) await screenshot(login, shot);
    await login.close();
    return footer;
  }

  it('issue 14: add a product, move it to the top by keyboard, and the Log In page’s footer follows', async () => {
    const { page } = h;
    expect(await loginFooter()).toBe('Latchkey · one sign-in for EMResource, eICS and EMTrack');
    await page
      .getByRole('navigation', { name: 'Screens' })
      .getByRole('button', { name: 'Products' })
      .click();
    await page.getByRole('heading', { name: 'Products · Production' }).waitFor();
    await table().waitFor();
    expect(await names()).toEqual(['EMResource', 'eICS', 'EMTrack']);
    await expect.poll(() => page.getByRole('region', { name: 'Clients' }).count()).toBe(1);

    // A change needs a reason first: the screen says so by its field and puts the focus there.
    await page.getByRole('button', { name: 'Add a product' }).click();
    const form = page.getByRole('form', { name: 'Add a product' });
    await form.getByLabel('Code').fill('eics');
    await form.getByLabel('Name').fill('CAD Dispatch');
    await form.getByLabel('Address').fill('cad.example.org');
    await form.getByRole('button', { name: 'Add product' }).click();
    const why = page.getByLabel('Why? (goes into the audit log)');
    await expect.poll(() => why.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await why.getAttribute('aria-invalid')).toBe('true');
    await why.fill(REASON);

    // A bad address is refused under Address, a code in use under Code (the service's word).
    await form.getByRole('button', { name: 'Add product' }).click();
    const address = form.getByLabel('Address');
    await expect.poll(() => address.getAttribute('aria-invalid')).toBe('true');
    expect(
      await form
        .getByText('Enter the product’s web address, such as https://emresource.example.org/.')
        .count(),
    ).toBe(1);
    await address.fill('https://cad.example.org/');
    await form.getByRole('button', { name: 'Add product' }).click();
    await form.getByText('there is already a product eics.').waitFor();
    expect(await form.getByLabel('Code').getAttribute('aria-invalid')).toBe('true');
    await form.getByLabel('Code').fill('cad');
    await form.getByRole('button', { name: 'Add product' }).click();
    await form.waitFor({ state: 'detached' });
    await expect.poll(names).toEqual(['EMResource', 'eICS', 'EMTrack', 'CAD Dispatch']);
    await record(page, 'console-products-added');

    // To the top with the keyboard: Enter on "Move up" three times; the focus stays on the
    // control, and at the top it is on "Move down" (Move up is no longer possible there).
    const up = table().getByRole('button', { name: 'Move up CAD Dispatch' });
    await up.focus();
    for (const expected of [
      ['EMResource', 'eICS', 'CAD Dispatch', 'EMTrack'],
      ['EMResource', 'CAD Dispatch', 'eICS', 'EMTrack'],
    ]) {
      await page.keyboard.press('Enter');
      await expect.poll(names).toEqual(expected);
      await expect.poll(focusedText).toMatch(/^↑ Move up/);
    }
    await page.keyboard.press('Enter');
    await expect.poll(names).toEqual(['CAD Dispatch', 'EMResource', 'eICS', 'EMTrack']);
    await expect.poll(focusedText).toMatch(/^↓ Move down/);
    expect(
      await page
        .getByRole('status')
        .filter({ hasText: 'CAD Dispatch is at position 1 of 4.' })
        .count(),
    ).toBe(1);
    await expect
      .poll(() =>
        page.getByText('one sign-in for CAD Dispatch, EMResource, eICS and EMTrack').count(),
      )
      .toBe(1);
    await record(page, 'console-products-reordered');

    expect(await loginFooter('console-products-login-footer')).toBe(
      'Latchkey · one sign-in for CAD Dispatch, EMResource, eICS and EMTrack',
    );

    const audit = await suite.svc.ctx.db
      .selectFrom('audit_events')
      .select('detail')
      .where('type', '=', 'admin_action')
      .orderBy('seq')
      .execute();
    const actions = audit.map((a) => JSON.parse(a.detail) as Record<string, unknown>);
    expect(actions.map((a) => [a.action, a.product, a.reason])).toEqual([
      ['add-product', 'cad', REASON],
      ['edit-product', 'cad', REASON],
      ['edit-product', 'cad', REASON],
      ['edit-product', 'cad', REASON],
    ]);
  });

  it('issue 14: rename and re-address from the screen; an administrator is not offered the screen', async () => {
    const { page } = h;
    await table().getByRole('button', { name: 'Change CAD Dispatch' }).click();
    const form = page.getByRole('form', { name: 'Change CAD Dispatch' });
    await form.getByLabel('Name').fill('CAD');
    await form.getByLabel('Address').fill('https://dispatch.example.org/');
    await form.getByRole('button', { name: 'Save product' }).click();
    await form.waitFor({ state: 'detached' });
    await expect.poll(names).toEqual(['CAD', 'EMResource', 'eICS', 'EMTrack']);
    await table().getByText('https://dispatch.example.org/').waitFor();
    await expect.poll(focusedText).toMatch(/^Change/);

    const other = await suite.console();
    await openSignedIn(other, suite.url, { username: 'ada.admin' });
    const screens = other.page.getByRole('navigation', { name: 'Screens' });
    await screens.getByRole('button', { name: 'Organizations' }).waitFor();
    expect(await screens.getByRole('button', { name: 'Products' }).count()).toBe(0);
  });

  it('issue 14: register a client of a product; its secret is shown once, then never again; remove it after confirming', async () => {
    const { page } = h;
    await page
      .getByRole('navigation', { name: 'Screens' })
      .getByRole('button', { name: 'Products' })
      .click();
    const clients = page.getByRole('region', { name: 'Clients' });
    await clients.waitFor();
    await page.getByLabel('Why? (goes into the audit log)').fill(REASON);
    await clients.getByLabel('Product').selectOption({ label: 'EMTrack' });
    await clients.getByText('EMTrack has no registered client yet.').waitFor();

    // An address the service refuses is named under its field; nothing is registered.
    const form = clients.getByRole('form', { name: 'Register a client of EMTrack' });
    const redirects = form.getByLabel('Redirect URIs (one per line)');
    await redirects.fill('http://emtrack.example.org/callback');
    await form.getByRole('button', { name: 'Register client' }).click();
    await form.getByText(/must use https/).waitFor();
    expect(await redirects.getAttribute('aria-invalid')).toBe('true');

    await redirects.fill('https://emtrack.example.org/callback\nhttp://127.0.0.1:4200/callback');
    await form
      .getByLabel('Back-channel logout URI (optional)')
      .fill('https://emtrack.example.org/backchannel-logout');
    await form.getByRole('button', { name: 'Register client' }).click();
    const shown = clients.getByRole('region', { name: /^Client registered: emtrack-/ });
    await shown.waitFor();
    expect(await shown.getByRole('alert').innerText()).toBe(
      'Copy the client secret now: it will not be shown again.',
    );
    const secret = await shown.getByLabel('Client secret').inputValue();
    const row = await suite.svc.ctx.db
      .selectFrom('oidc_clients')
      .selectAll()
      .where('product_id', 'in', (eb) =>
        eb.selectFrom('products').select('id').where('code', '=', 'emtrack'),
      )
      .executeTakeFirstOrThrow();
    // The secret shown is the one the service keeps the hash of.
    expect(row.secret_hash).toBe(hashToken(secret));
    await shown.getByRole('button', { name: 'Copy secret' }).click();
    await shown
      .getByRole('status')
      .filter({ hasText: /^Copied/ })
      .waitFor();
    await record(page, 'console-product-client-secret');

    const listed = clients.getByRole('table', { name: 'Clients of EMTrack' });
    const clientRow = listed.getByRole('row', { name: new RegExp(row.client_id) });
    expect(await clientRow.innerText()).toMatch(
      /Confidential[\s\S]*https:\/\/emtrack\.example\.org\/callback[\s\S]*http:\/\/127\.0\.0\.1:4200\/callback[\s\S]*backchannel-logout/,
    );
    await shown.getByRole('button', { name: 'Done' }).click();
    await shown.waitFor({ state: 'detached' });
    expect(await page.content()).not.toContain(secret);

    // Removing asks first; then the client is gone from the list and from the service.
    await clientRow.getByRole('button', { name: 'Remove…' }).click();
    await clientRow.getByRole('button', { name: `Remove ${row.client_id}` }).click();
    await clients.getByText('EMTrack has no registered client yet.').waitFor();
    const left = await suite.svc.ctx.db
      .selectFrom('oidc_clients')
      .select('client_id')
      .where('client_id', '=', row.client_id)
      .execute();
    expect(left).toEqual([]);
  });
});
