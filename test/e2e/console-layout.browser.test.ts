import { afterAll, beforeAll, expect, it } from 'vitest';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { seedAdmin } from '../support/admin.ts';
import { describeBrowser, screenshot } from '../support/browser.ts';
import {
  openAccount,
  openSignedIn,
  startConsoleSuite,
  type ConsoleSuite,
} from '../support/console-e2e.ts';

// Issue 15: at 1280×800 nothing in the account view is wider than its card — long addresses
// wrap, and the holders table fits (or scrolls inside its card).

let suite: ConsoleSuite;

/** A 60-character address without a natural break point. */
const LONG_EMAIL = 'pat.nightingale.frontdesk.morningshift@northside.example.org';

describeBrowser('console: the account view at 1280×800', () => {
  beforeAll(async () => {
    suite = await startConsoleSuite();
    const org = await seedOrganization(suite.svc.ctx, 'Northside Health', {
      adminTotpExempt: true,
    });
    await seedAdmin(suite.svc.ctx, {
      organizationId: org,
      username: 'nora.admin',
      role: 'administrator',
    });
    await seedAccount(suite.svc.ctx, {
      organizationId: org,
      username: 'frontdesk.wide',
      email: LONG_EMAIL,
      shared: true,
      holders: [
        { name: 'Pat Nightingale-Featherstonehaugh', email: LONG_EMAIL, isOwner: true },
        { name: 'Lee Barton', email: `lee.${LONG_EMAIL.slice(4)}` },
        { name: 'Kim Osei', email: `kim.${LONG_EMAIL.slice(4)}` },
        { name: 'Sam Okonkwo-Lindqvist', email: `sam.${LONG_EMAIL.slice(4)}` },
        { name: 'Ana Ferreira', email: `ana.${LONG_EMAIL.slice(4)}` },
      ],
    });
  }, 120_000);
  afterAll(async () => suite?.close());

  it('issue 15: no card or section of a shared login with long addresses overflows at 1280×800', async () => {
    expect(LONG_EMAIL).toHaveLength(60);
    const h = await suite.console({ width: 1280, height: 800 });
    await openSignedIn(h, suite.url, { username: 'nora.admin' });
    await openAccount(h.page, 'frontdesk.wide', 'frontdesk.wide');
    const holders = h.page.getByRole('region', { name: /Holders of this shared login \(5\)/ });
    await holders.waitFor();
    const overflowing = await h.page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('section, .section, .sections, .card')]
        .filter((el) => el.scrollWidth > el.clientWidth + 1)
        .map((el) => {
          const name = el.getAttribute('aria-labelledby');
          const title = name ? document.getElementById(name)?.textContent : el.className;
          return `${title ?? el.tagName}: ${el.scrollWidth} > ${el.clientWidth}`;
        }),
    );
    await holders.scrollIntoViewIfNeeded();
    await screenshot(h.page, 'console-account-shared-long-emails-1280x800');
    expect(overflowing).toEqual([]);
  });
});
