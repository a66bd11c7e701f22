import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBrowser, launchBrowser } from '../support/browser.ts';
import { expectAccessible } from '../support/console-e2e.ts';

// The axe-core check every console screen passes through (`record`): proof that it fails on a
// serious finding, a second time on the same document too (axe is evaluated once per document).

let browser: Browser;
let page: Page;

const html = (body: string) =>
  `<!doctype html><html lang="en"><title>Check</title><main>${body}</main></html>`;

describeBrowser('the accessibility check of the console tests', () => {
  beforeAll(async () => {
    browser = await launchBrowser();
    page = await browser.newPage();
  });
  afterAll(async () => browser?.close());

  it('passes a page without findings, then fails on an unlabelled field and an image without text', async () => {
    await page.setContent(html('<h1>Fine</h1><label>Name <input></label>'));
    await expectAccessible(page, 'fine');
    await page.evaluate(() => {
      document.querySelector('main')?.insertAdjacentHTML('beforeend', '<input><img src="x.png">');
    });
    const failure = await expectAccessible(page, 'broken').then(
      () => undefined,
      // The assertion's `actual`: the findings it reported.
      (error: { actual?: unknown }) => JSON.stringify(error.actual),
    );
    expect(failure).toMatch(/critical label:/);
    expect(failure).toMatch(/critical image-alt:/);
    await page.setContent(html('<h1>Fine again</h1>'));
    await expectAccessible(page, 'fine again');
  });
});
