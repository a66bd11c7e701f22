import { afterAll, beforeAll, expect, it } from 'vitest';
import { importCsv } from '../../service/import/import-csv.ts';
import { CSV_COLUMNS } from '../../service/import/import-rows.ts';
import { seedOrganization } from '../support/accounts.ts';
import { seedAdmin } from '../support/admin.ts';
import { describeBrowser } from '../support/browser.ts';
import {
  openSignedIn,
  record,
  startConsoleSuite,
  type ConsoleSuite,
} from '../support/console-e2e.ts';
import type { ConsoleHarness } from '../support/console-harness.ts';

// Search as the helpdesk lives in it: one box, results while typing, the keyboard, thousands
// of rows, and one search across several connections.

const BULK = 2_500;
const TARGET = {
  username: 'jrivera',
  email: 'j.rivera@lakeside.example.org',
  name: 'Jordan Rivera',
  phone: '+1 778 412 0199',
  organization: 'Lakeside Regional Health',
};

let suite: ConsoleSuite;
let h: ConsoleHarness;

const row = (fields: string[]) => fields.map((f) => (/[,"]/.test(f) ? `"${f}"` : f)).join(',');

/** The target account, a few neighbours, and BULK accounts of one clinic, through the CSV import. */
async function seedAccounts(): Promise<void> {
  const lines = [CSV_COLUMNS.join(',')];
  const account = (a: typeof TARGET, shared = 'false') =>
    row([
      a.username,
      a.email,
      a.name,
      a.phone,
      a.organization,
      'emresource;eics',
      '',
      '',
      '',
      shared,
      '',
    ]);
  lines.push(account(TARGET));
  lines.push(
    account({
      ...TARGET,
      username: 'jordan.m',
      email: 'jm@lakeside.example.org',
      name: 'Jordan Miles',
      phone: '+1 604 555 0100',
    }),
  );
  lines.push(
    account({
      username: 'alice',
      email: 'alice@valley.example.org',
      name: 'Alice Moreau',
      phone: '+1 250 555 9999',
      organization: 'Valley Bulk Clinic',
    }),
  );
  for (let i = 1; i <= BULK; i += 1) {
    const n = String(i).padStart(4, '0');
    lines.push(
      account({
        username: `bulk${n}`,
        email: `bulk${n}@valley.example.org`,
        name: `Bulk Person ${n}`,
        phone: `+1 250 555 ${n}`,
        organization: 'Valley Bulk Clinic',
      }),
    );
  }
  const result = await importCsv(suite.svc.ctx, lines.join('\n'));
  expect(result.ok, JSON.stringify(result)).toBe(true);
}

const box = () => h.page.getByRole('combobox', { name: /Search accounts/ });
const status = () => h.page.locator('#search-status');

describeBrowser('console: search', () => {
  beforeAll(async () => {
    suite = await startConsoleSuite();
    const org = await seedOrganization(suite.svc.ctx, 'Demo Health', { adminTotpExempt: true });
    await seedAdmin(suite.svc.ctx, {
      organizationId: org,
      username: 'sam.super',
      role: 'super_admin',
    });
    await seedAccounts();
    h = await suite.console();
    await openSignedIn(h, suite.url, { username: 'sam.super' });
  }, 120_000);
  afterAll(async () => suite?.close());

  it('finds one account by a fragment of each field: username, email, name, phone, organization', async () => {
    const fragments = {
      'username prefix': 'jriv',
      'email substring': 'rivera@lake',
      'name, two words': 'dan Rive',
      phone: '412 01',
      organization: 'Lakeside Reg',
    };
    for (const [what, fragment] of Object.entries(fragments)) {
      await box().fill(fragment);
      const option = h.page.getByRole('option', { name: /^jrivera\b/ });
      await option.waitFor().catch(() => {
        throw new Error(`no jrivera for the ${what} "${fragment}"`);
      });
    }
    await box().fill('jrivera');
    await expect.poll(() => status().innerText()).toMatch(/^1 account\b/);
    await expect.poll(() => h.page.getByRole('option').count()).toBe(1);
    await record(h.page, 'console-search-one');
  });

  it('arrow keys move through the results and Enter opens the account with the focus on it', async () => {
    await box().fill('Lakeside');
    await expect.poll(() => h.page.getByRole('option').count()).toBe(2);
    await box().press('ArrowDown');
    const active = h.page.getByRole('option', { selected: true });
    await expect.poll(() => active.innerText()).toMatch(/^jrivera/);
    await box().press('Enter');
    const heading = h.page.getByRole('heading', { level: 2, name: /^jrivera/ });
    await heading.waitFor();
    await expect.poll(() => heading.evaluate((el) => el === document.activeElement)).toBe(true);
    // Ctrl+K: straight back to the search box.
    await h.page.keyboard.press('Control+k');
    await expect.poll(() => box().evaluate((el) => el === document.activeElement)).toBe(true);
  });

  it('a search that finds nothing offers "Did you mean alice?": Enter or a click runs it', async () => {
    await box().fill('Alise');
    await expect.poll(() => status().innerText()).toMatch(/No account matches/);
    const offer = h.page.getByRole('button', { name: 'Did you mean alice?' });
    await offer.waitFor();
    await record(h.page, 'console-search-suggestion');
    await box().press('Enter');
    await expect.poll(() => box().inputValue()).toBe('alice');
    await expect.poll(() => h.page.getByRole('option', { name: /^alice\b/ }).count()).toBe(1);
    // A click runs it too, and the focus comes back to the box.
    await box().fill('Alise');
    await offer.click();
    await expect.poll(() => box().inputValue()).toBe('alice');
    await expect.poll(() => box().evaluate((el) => el === document.activeElement)).toBe(true);
  });

  it('thousands of results scroll with only the visible rows in the page, loading more as needed', async () => {
    await box().fill('bulk');
    await expect.poll(() => status().innerText()).toMatch(/More than 1,000 accounts/);
    const listbox = h.page.getByRole('listbox', { name: 'Results' });
    for (let i = 0; i < 25; i += 1) await box().press('PageDown');
    await expect
      .poll(() => h.page.getByRole('option', { selected: true }).getAttribute('aria-posinset'))
      .toBe('251');
    const rendered = await listbox.getByRole('option').count();
    expect(rendered).toBeLessThan(60);
    // Scrolled to the end again and again, the list keeps growing a page at a time: waited for
    // by its size, not by time, so a busy machine only makes it slower (issue 15).
    await expect
      .poll(
        async () => {
          await listbox.evaluate((el) => el.scrollTo(0, el.scrollHeight));
          return Number(await listbox.getByRole('option').first().getAttribute('aria-setsize'));
        },
        { timeout: 25_000 },
      )
      .toBeGreaterThan(1_000);
    expect(await listbox.getByRole('option').count()).toBeLessThan(60);
    await record(h.page, 'console-search-thousands');
  });

  it('a filter narrows while typing; a second connection is one keystroke away; one search spans both', async () => {
    await h.page.getByRole('checkbox', { name: 'Shared login' }).check();
    await box().fill('Lakeside');
    await expect.poll(() => status().innerText()).toMatch(/No account matches/);
    await h.page.getByRole('checkbox', { name: 'Shared login' }).uncheck();

    const training = await h.main.handlers.addConnection({
      name: 'Training',
      url: suite.url,
      colour: '#b91c1c',
    });
    await h.main.handlers.signIn({
      connectionId: training.id,
      username: 'sam.super',
      password: 'granite owl measures twilight',
    });
    await h.page.reload();
    await box().waitFor();
    await h.page.keyboard.press('Control+2');
    await expect
      .poll(() => h.page.getByRole('button', { name: /Training/, pressed: true }).count())
      .toBe(1);
    await h.page.keyboard.press('Control+Shift+A');
    await box().fill('jrivera');
    await expect.poll(() => h.page.getByRole('option', { name: /^jrivera/ }).count()).toBe(2);
    const names = await h.page.getByRole('option').allInnerTexts();
    expect(names.join('\n')).toContain('Production');
    expect(names.join('\n')).toContain('Training');
    await record(h.page, 'console-search-two-connections');
  });
});
