import { rmSync } from 'node:fs';
import axe from 'axe-core';
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import { totpCodeAt } from '../../service/domain/admin/totp.ts';
import { launchBrowser, screenshot } from './browser.ts';
import { buildBrowserPreload, buildRenderer } from './console-build.ts';
import { startConsole, type ConsoleHarness } from './console-harness.ts';
import { ADMIN_PASSWORD, ApiClient } from './admin.ts';
import { startTestService, type TestService } from './service.ts';
import { startSmtp, type SmtpCatcher } from './smtp.ts';

/** Everything a console browser test runs against: real SMTP, real service, real Chromium. */
export interface ConsoleSuite {
  smtp: SmtpCatcher;
  svc: TestService;
  /** The address the console connects to: the service's. */
  url: string;
  browser: Browser;
  rendererDir: string;
  preloadScript: string;
  /** A fresh console page (main's parts new each time). */
  console(viewport?: { width: number; height: number }): Promise<ConsoleHarness>;
  close(): Promise<void>;
}

/** Starts SMTP, the service and Chromium, and builds the renderer and the preload, in parallel. */
export async function startConsoleSuite(): Promise<ConsoleSuite> {
  const smtp = await startSmtp();
  const [svc, browser, rendererDir, preloadScript] = await Promise.all([
    startTestService({ smtp }),
    launchBrowser(),
    buildRenderer(),
    buildBrowserPreload(),
  ]);
  const harnesses: ConsoleHarness[] = [];
  return {
    smtp,
    svc,
    url: svc.url,
    browser,
    rendererDir,
    preloadScript,
    async console(viewport) {
      const h = await startConsole(browser, { rendererDir, preloadScript, viewport });
      harnesses.push(h);
      return h;
    },
    async close() {
      await Promise.all(harnesses.map((h) => h.close().catch(() => undefined)));
      await browser?.close();
      await svc?.close();
      await smtp?.close();
      rmSync(rendererDir, { recursive: true, force: true });
    },
  };
}

/** Enrols TOTP for an administrator through the admin API; answers the secret. */
export async function enrolTotp(svc: TestService, username: string): Promise<string> {
  const api = new ApiClient(svc.url);
  const enrol = await api.post<{ secret: string }>('/api/v1/auth/totp/enrol', {
    username,
    password: ADMIN_PASSWORD,
  });
  expect(enrol.status, JSON.stringify(enrol.body)).toBe(200);
  const confirm = await api.post('/api/v1/auth/totp/confirm', {
    username,
    password: ADMIN_PASSWORD,
    totp: totpCodeAt(enrol.body.secret, svc.clock.now()),
  });
  expect(confirm.status, JSON.stringify(confirm.body)).toBe(200);
  // The confirming code is spent: the next sign-in needs the next time step.
  svc.clock.advance(30_000);
  return enrol.body.secret;
}

export interface SignInOptions {
  name?: string;
  colour?: string;
  username: string;
  password?: string;
  totp?: string;
}

/** Adds a connection and signs in as a person would: the Connections screen, by label. */
export async function signInThroughUi(
  h: ConsoleHarness,
  url: string,
  o: SignInOptions,
): Promise<void> {
  const { page } = h;
  await page.getByRole('heading', { name: 'Add a connection' }).waitFor();
  await page.getByLabel('Name', { exact: true }).fill(o.name ?? 'Production');
  await page.getByLabel('Service address').fill(url);
  if (o.colour) await page.getByLabel('Colour').fill(o.colour);
  await page.getByRole('button', { name: 'Add connection' }).click();
  await page.getByRole('heading', { name: `Sign in to ${o.name ?? 'Production'}` }).waitFor();
  await page.getByLabel('Username').fill(o.username);
  await page.getByLabel('Password').fill(o.password ?? ADMIN_PASSWORD);
  if (o.totp) await page.getByLabel('Authenticator code').fill(o.totp);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** Adds and signs in a connection through main's handlers (not the subject of the test), then opens the page. */
export async function openSignedIn(
  h: ConsoleHarness,
  url: string,
  o: SignInOptions,
): Promise<string> {
  const added = await h.main.handlers.addConnection({
    name: o.name ?? 'Production',
    url,
    colour: o.colour ?? '#1d4ed8',
  });
  await h.main.handlers.signIn({
    connectionId: added.id,
    username: o.username,
    password: o.password ?? ADMIN_PASSWORD,
    totp: o.totp,
  });
  await h.open();
  await h.page.getByRole('combobox', { name: /Search accounts/ }).waitFor();
  return added.id;
}

/** The serious and critical axe-core violations on the page, none expected. */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  const bad = (await axeViolations(page)).filter(
    (v) => v.impact === 'serious' || v.impact === 'critical',
  );
  const report = bad.map(
    (v) =>
      `${v.impact} ${v.id}: ${v.help}\n${v.nodes
        .slice(0, 5)
        .map((n) => `    ${n.target.join(' ')}: ${n.failureSummary?.replace(/\s+/g, ' ')}`)
        .join('\n')}`,
  );
  expect(report, `axe on "${screen}"`).toEqual([]);
}

/**
 * Every rule axe-core runs by default, over the whole page. Its 500 kB source is evaluated once
 * per document: `@axe-core/playwright` sent and evaluated it on every scan, and again in a blank
 * page it opened to finish each one: about 3 CPU-seconds a scan, a third of a console file's.
 */
async function axeViolations(page: Page): Promise<axe.Result[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axe.source);
  return page.evaluate(async () => {
    const inPage = (window as unknown as { axe: typeof axe }).axe;
    return (await inPage.run(document, { resultTypes: ['violations'] })).violations;
  });
}

/** A screenshot under test-results/screenshots/ and an axe scan of the same screen. */
export async function record(page: Page, name: string): Promise<string> {
  await expectAccessible(page, name);
  return screenshot(page, name);
}

/** Types into the search box; results follow after the debounce. */
export async function search(page: Page, text: string): Promise<void> {
  const box = page.getByRole('combobox', { name: /Search accounts/ });
  await box.fill(text);
}

/** Opens the account whose result row names `username`, and waits for its view. */
export async function openAccount(page: Page, text: string, username: string): Promise<void> {
  await search(page, text);
  await page
    .getByRole('option', { name: new RegExp(`^${username}\\b`) })
    .first()
    .click();
  await page.getByRole('heading', { level: 2, name: new RegExp(`^${username}`) }).waitFor();
}

/** Gives the open dialog's reason (and ticket) and confirms; answers the summary the service wrote. */
export async function confirmInDialog(
  page: Page,
  button: string,
  reason: string,
  ticket?: string,
): Promise<string> {
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel(/^Why\?/).fill(reason);
  if (ticket) await dialog.getByLabel('Ticket number (optional)').fill(ticket);
  await dialog.getByRole('button', { name: button, exact: true }).click();
  const done = dialog.locator('.done-summary');
  await done.waitFor();
  return (await done.innerText()).replace(/^✓\s*/, '');
}

/** Closes the open dialog and waits until it is gone. */
export async function closeDialog(page: Page): Promise<void> {
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Close', exact: true }).first().click();
  await dialog.waitFor({ state: 'detached' });
}
