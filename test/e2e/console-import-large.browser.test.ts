import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
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
import { generatedImport } from '../support/import-files.ts';

// Issue 16: a 100,000-row import from the console shows its progress (rows and rows a second,
// pushed by main as it streams the file) and finishes. The file is the shared benchmark
// generator's (gen-users.mjs --format csv), whose header is the import file's.

const N = 100_000;
let suite: ConsoleSuite;
let h: ConsoleHarness;
let dir: string;
let file: string;

describeBrowser('console: importing 100,000 rows', () => {
  beforeAll(async () => {
    suite = await startConsoleSuite();
    dir = mkdtempSync(path.join(tmpdir(), 'latchkey-import-large-'));
    file = path.join(dir, 'hr-export.csv');
    await generatedImport(suite.svc.ctx, { n: N, out: file });
    // An office of its own, where administrators need no authenticator in this test.
    const home = await seedOrganization(suite.svc.ctx, 'Regional Office', {
      adminTotpExempt: true,
    });
    // The generator's rows span 20 organizations: a super-administrator manages them all.
    await seedAdmin(suite.svc.ctx, {
      organizationId: home,
      username: 'ivy.super',
      role: 'super_admin',
    });
    h = await suite.console();
    await openSignedIn(h, suite.url, { username: 'ivy.super' });
  }, 180_000);
  afterAll(async () => {
    await suite?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('previews and imports 100,000 rows with a progress bar of rows and rate', async () => {
    const { page } = h;
    await page
      .getByRole('navigation', { name: 'Screens' })
      .getByRole('button', { name: 'Import' })
      .click();
    h.openDialog.answer = file;
    await page.getByRole('button', { name: 'Choose CSV file…' }).click();
    await page.getByText('hr-export.csv').waitFor();
    await page.getByLabel(/^Why\?/).fill('Nightly HR export');
    await page.getByRole('button', { name: 'Preview (dry run)' }).click();
    // Progress while main streams the file: a count of rows and a rate, pushed from main.
    const bar = page.getByRole('progressbar');
    await page
      .getByText(/Checking the file: [\d,]+ rows, [\d,]+ rows a second/)
      .waitFor({ timeout: 120_000 });
    await screenshot(page, 'console-import-100k-preview-progress');
    await page
      .getByRole('region', { name: 'What the import would do' })
      .waitFor({ timeout: 600_000 });
    expect(
      await page.getByRole('list').filter({ hasText: 'would be created' }).innerText(),
    ).toContain('100,000');
    await record(page, 'console-import-100k-preview');

    await page.getByRole('button', { name: 'Import all 100,000 changes' }).click();
    await page
      .getByText(/Importing: [\d,]+ rows, [\d,]+ rows a second/)
      .waitFor({ timeout: 120_000 });
    expect(await bar.count()).toBe(1);
    await screenshot(page, 'console-import-100k-progress');
    await page
      .getByRole('status')
      .filter({ hasText: 'Imported hr-export.csv' })
      .waitFor({ timeout: 900_000 });
    await record(page, 'console-import-100k-done');
    const count = await suite.svc.ctx.db
      .selectFrom('accounts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    // The import's 100,000 and the super-administrator.
    expect(Number(count.n)).toBe(N + 1);
    const progress = h.events.filter((e) => e.type === 'import-progress' && e.phase === 'import');
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toMatchObject({ rows: N });
  }, 1_800_000);
});
