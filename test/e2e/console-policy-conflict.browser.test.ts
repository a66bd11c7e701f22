import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Organization } from '../../common/api/organizations.ts';
import { seedOrganization } from '../support/accounts.ts';
import { seedAdmin } from '../support/admin.ts';
import { describeBrowser, screenshot } from '../support/browser.ts';
import { signedIn } from '../support/console.ts';
import { openSignedIn, startConsoleSuite, type ConsoleSuite } from '../support/console-e2e.ts';

// Issue 15: a colleague's concurrent policy edit is told where the agent is looking — the
// notice comes into view with the focus — and Save works again once the agent has chosen.

let suite: ConsoleSuite;
let org: string;
const REASON = 'Requested by the ward manager, CHG-78';

/** A colleague saves the policy through the admin API, so the open form's version is stale. */
async function colleagueChangesContact(): Promise<void> {
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
}

describeBrowser('console: a concurrent policy edit', () => {
  beforeAll(async () => {
    suite = await startConsoleSuite();
    org = await seedOrganization(suite.svc.ctx, 'Northside Health', { adminTotpExempt: true });
    await seedAdmin(suite.svc.ctx, {
      organizationId: org,
      username: 'nora.admin',
      role: 'administrator',
    });
  }, 120_000);
  afterAll(async () => suite?.close());

  it('issue 15: the conflict notice is in view with the focus inside it, and Save works after Discard', async () => {
    // A short window: the form is taller than the screen, as on a laptop.
    const h = await suite.console({ width: 1280, height: 600 });
    await openSignedIn(h, suite.url, { username: 'nora.admin' });
    await h.page
      .getByRole('navigation', { name: 'Screens' })
      .getByRole('button', { name: 'Organizations' })
      .click();
    const form = h.page.getByRole('form', { name: 'Policy of Northside Health' });
    await form.waitFor();
    const box = await form.boundingBox();
    expect(box?.height ?? 0).toBeGreaterThan(600);

    await colleagueChangesContact();
    await form.getByLabel('Failed sign-ins before lockout').fill('4');
    await form.getByLabel(/^Why\?/).fill(REASON);
    const save = form.getByRole('button', { name: 'Save policy' });
    await save.click();
    const notice = form
      .getByRole('alert')
      .filter({ hasText: 'The policy changed since you opened it' });
    await notice.waitFor();
    await expect
      .poll(() => notice.evaluate((el) => el.contains(document.activeElement)))
      .toBe(true);
    const inView = await notice.evaluate((el) => {
      const r = el.getBoundingClientRect();
      return r.top >= 0 && r.bottom <= window.innerHeight && r.left >= 0;
    });
    expect(inView).toBe(true);
    expect(await notice.innerText()).toContain('How account holders reach the administrators');
    await screenshot(h.page, 'console-policy-conflict-in-view');

    await notice.getByRole('button', { name: 'Discard my edits' }).click();
    await notice.waitFor({ state: 'detached' });
    await expect.poll(() => save.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await save.isEnabled()).toBe(true);
    expect(await form.getByLabel('How account holders reach the administrators').inputValue()).toBe(
      'Northside IT on 555-0100',
    );

    await form.getByLabel('Failed sign-ins before lockout').fill('4');
    await save.click();
    await form
      .getByRole('status')
      .getByText(/Policy of Northside Health saved/)
      .waitFor();
  });
});
