import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
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
import { parseCsv } from '../support/csv.ts';
import { newHires, writeImportFile } from '../support/import-files.ts';

// Issue 16: the Import screen. The file is chosen in main's open dialog and streamed by main;
// the preview names every problem by line and column; the import writes every row or none; the
// report is saved where main's save dialog says.

let suite: ConsoleSuite;
let h: ConsoleHarness;
let dir: string;
const ORG = 'Harbour Clinic';

describeBrowser('console: importing accounts', () => {
  beforeAll(async () => {
    suite = await startConsoleSuite();
    const org = await seedOrganization(suite.svc.ctx, ORG, { adminTotpExempt: true });
    await seedAdmin(suite.svc.ctx, {
      organizationId: org,
      username: 'hana.admin',
      role: 'administrator',
    });
    dir = mkdtempSync(path.join(tmpdir(), 'latchkey-console-import-'));
    h = await suite.console();
    await openSignedIn(h, suite.url, { username: 'hana.admin' });
  }, 120_000);
  afterAll(async () => {
    await suite?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('imports 1,000 rows: the preview names three bad ones by line and column; fixed, the import writes all at once with a report', async () => {
    const { page } = h;
    const rows = newHires(1_000, ORG, 'hb');
    const bad = rows.map((r) => ({ ...r }));
    bad[3]!.email = 'not-an-address'; // line 5
    bad[199]!.username = 'has space'; // line 201
    bad[776]!.products = 'no-such-product'; // line 778
    const file = writeImportFile(path.join(dir, 'harbour-new-hires.csv'), bad);

    await page
      .getByRole('navigation', { name: 'Screens' })
      .getByRole('button', { name: 'Import' })
      .click();
    await page.getByRole('heading', { name: 'Import accounts' }).waitFor();
    h.openDialog.answer = file;
    await page.getByRole('button', { name: 'Choose CSV file…' }).click();
    await page.getByText('harbour-new-hires.csv').waitFor();
    await page.getByLabel(/^Why\?/).fill('New hires from HR, December');
    await page.getByRole('button', { name: 'Preview (dry run)' }).click();
    const problems = page.getByRole('region', { name: /3 problems/ });
    await problems.waitFor();
    const cells = await problems.getByRole('row').allInnerTexts();
    expect(cells.slice(1).map((r) => r.split('\t').slice(0, 2))).toEqual([
      ['5', 'email'],
      ['201', 'username'],
      ['778', 'products'],
    ]);
    expect(await page.getByRole('button', { name: /^Import all/ }).count()).toBe(0);
    await record(page, 'console-import-preview-problems');

    writeImportFile(file, rows);
    await page.getByRole('button', { name: 'Preview again' }).click();
    await page.getByRole('region', { name: 'What the import would do' }).waitFor();
    expect(
      await page.getByRole('list').filter({ hasText: 'would be created' }).innerText(),
    ).toContain('1,000');
    await record(page, 'console-import-preview-clean');
    await page.getByRole('button', { name: 'Import all 1,000 changes' }).click();
    await page.getByRole('status').filter({ hasText: 'Imported harbour-new-hires.csv' }).waitFor({
      timeout: 60_000,
    });
    await record(page, 'console-import-result');
    const count = await suite.svc.ctx.db
      .selectFrom('accounts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('username', 'like', 'hb%')
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(1_000);

    h.saveDialog.answer = path.join(dir, 'report.csv');
    await page.getByRole('button', { name: 'Save report…' }).click();
    await page.getByText(/Saved 1,000 lines|Saved 1000 lines/).waitFor();
    const report = parseCsv(readFileSync(h.saveDialog.answer, 'utf8'));
    expect(report.slice(1).filter((r) => r[1] === 'create')).toHaveLength(1_000);
    // Main read the file and pushed its progress; the page got the name, size and a summary.
    expect(h.openDialog.asked).toBe(1);
    expect(h.events.some((e) => e.type === 'import-progress' && e.phase === 'import')).toBe(true);
  }, 180_000);
});
