import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { QUESTION, seedAccount, seedOrganization } from '../support/accounts.ts';
import {
  BROWSER_PATIENCE_MS,
  describeBrowser,
  launchBrowser,
  screenshot,
} from '../support/browser.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { linksIn, startSmtp, type SmtpCatcher } from '../support/smtp.ts';

// The seed's main forgotten-password path, as a person does it: real Chromium, a real service
// on loopback, a real SMTP server catching the email. Selectors are what a user sees: labels,
// roles, names.

const USERNAME = 'jrivera';
const EMAIL = 'j.rivera@lakeside.example.org';
const ANSWER = 'Rex the dog';
const NEW_PASSWORD = 'copper meadow violin harbour';
const TYPO_PASSWORD = 'copper meadow violin harbor';

let smtp: SmtpCatcher;
let svc: TestService;
let browser: Browser;
let context: BrowserContext;
let page: Page;
/** Every URL the browser asked for, pages and sub-resources alike. */
const requested: string[] = [];

const heading = (name: string) => page.getByRole('heading', { level: 1, name, exact: true });

async function see(name: string): Promise<void> {
  await heading(name).waitFor();
}

/** True when `locator` holds the keyboard focus. */
function isFocused(locator: Locator): Promise<boolean> {
  return locator.evaluate((el) => el === document.activeElement);
}

/** The accessible name of whatever holds the focus, as a screen reader would announce it. */
async function focusedName(): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return '(body)';
    const labelled = el.id ? document.querySelector(`label[for="${el.id}"]`) : null;
    return (labelled?.textContent ?? el.textContent ?? '').trim();
  });
}

/** The text of the elements an input's aria-describedby points at. */
async function description(locator: Locator): Promise<string> {
  return locator.evaluate((el) =>
    (el.getAttribute('aria-describedby') ?? '')
      .split(/\s+/)
      .filter(Boolean)
      .map((id) => document.getElementById(id)?.textContent?.trim() ?? '')
      .join(' '),
  );
}

describeBrowser('forgotten password in a real browser', () => {
  beforeAll(async () => {
    smtp = await startSmtp();
    [svc, browser] = await Promise.all([startTestService({ smtp }), launchBrowser()]);
    const organizationId = await seedOrganization(svc.ctx, 'Lakeside Regional Health');
    await seedAccount(svc.ctx, { organizationId, username: USERNAME, email: EMAIL });
    context = await browser.newContext({ viewport: { width: 900, height: 800 } });
    context.setDefaultTimeout(BROWSER_PATIENCE_MS);
    context.on('request', (request) => requested.push(request.url()));
    page = await context.newPage();
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await svc?.close();
    await smtp?.close();
  });

  it('Log In works from the keyboard: Email or Username → Password → Log In', async () => {
    await page.goto(`${svc.url}/login`);
    await see('Log In');
    const identifier = page.getByLabel('Email or Username');
    const password = page.getByLabel('Password', { exact: true });
    const logIn = page.getByRole('button', { name: 'Log In', exact: true });

    // The page opens with the first field ready to type into.
    expect(await isFocused(identifier)).toBe(true);
    await page.keyboard.press('Tab');
    expect(await focusedName()).toBe('Password');
    expect(await isFocused(password)).toBe(true);
    await page.keyboard.press('Tab');
    expect(await isFocused(logIn)).toBe(true);
    await page.keyboard.press('Tab');
    expect(await focusedName()).toBe('forgot username?');
    await page.keyboard.press('Tab');
    expect(await focusedName()).toBe('forgot password?');

    // Backwards: before the first field come only the brand link and the skip link.
    for (const name of [
      'forgot username?',
      'Log In',
      'Password',
      'Email or Username',
      'Latchkey',
    ]) {
      await page.keyboard.press('Shift+Tab');
      expect(await focusedName()).toBe(name);
    }
    await page.keyboard.press('Shift+Tab');
    expect(await focusedName()).toBe('Skip to content');
    // The skip link leads past the header: the next Tab lands in the form.
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    expect(await isFocused(identifier)).toBe(true);
  });

  it('reset by email link, security question and a new password, then sign in with it', async () => {
    // Log In → "forgot password?"
    await page.goto(`${svc.url}/login`);
    await see('Log In');
    await screenshot(page, 'forgot-password-01-login');
    await page.getByRole('link', { name: 'forgot password?' }).click();
    await see('Reset Your Password');

    // Reset Your Password: Email or Username → Continue → the information page.
    await page.getByLabel('Email or Username').fill(USERNAME);
    await screenshot(page, 'forgot-password-02-reset-your-password');
    await page.getByRole('button', { name: 'Continue' }).click();
    await see('Check Your Email');
    await page.getByText('An email is being sent').waitFor();
    await screenshot(page, 'forgot-password-03-check-your-email');

    // The email arrives over SMTP with one link on the service's own address.
    const mail = await smtp.waitFor((m) => m.to.includes(EMAIL) && /reset/i.test(m.subject));
    const links = linksIn(mail.text).filter((url) => url.includes('/reset/'));
    expect(links).toHaveLength(1);
    const link = links[0] ?? '';
    expect(link.startsWith(`${svc.url}/reset/`)).toBe(true);
    const token = link.slice(`${svc.url}/reset/`.length);
    expect(token.length).toBeGreaterThanOrEqual(43); // ≥ 256 bits in base64url

    // Opening it: the token leaves the address bar at once (R19).
    await page.goto(link);
    await see('Password Challenge');
    expect(page.url()).toBe(`${svc.url}/reset/challenge`);
    expect(page.url()).not.toContain(token);
    await page.getByText(QUESTION).waitFor();
    await screenshot(page, 'forgot-password-04-password-challenge');

    // Password Challenge: the answer, then Submit.
    const answer = page.getByLabel('Answer');
    expect(await isFocused(answer)).toBe(true);
    // The question is announced with the field, not only shown above it.
    expect(await description(answer)).toContain(QUESTION);
    await answer.fill(ANSWER);
    await page.getByRole('button', { name: 'Submit' }).click();

    // Set Up Password names every product the one password serves.
    await see('Set Up Password');
    // The seed lists them alphabetically ("eICS, EMResource, and EMTrack"); SPEC §1 quotes
    // "EMResource, eICS and EMTrack". Either order names all three.
    const warning = page.getByText('This changes your password for');
    expect(await warning.textContent()).toMatch(
      /^This changes your password for (?=.*\bEMResource\b)(?=.*\beICS\b)(?=.*\bEMTrack\b)[\w ,]+\.$/,
    );
    expect(page.url()).not.toContain(token);
    await screenshot(page, 'forgot-password-05-set-up-password');

    // A mismatch first: the error sits next to Verify Password and is tied to it.
    await page.getByLabel('New Password').fill(NEW_PASSWORD);
    await page.getByLabel('Verify Password').fill(TYPO_PASSWORD);
    await page.getByRole('button', { name: 'Submit' }).click();
    await see('Set Up Password');
    const verify = page.getByLabel('Verify Password');
    await page.getByText('The two passwords do not match').first().waitFor();
    expect(await verify.getAttribute('aria-invalid')).toBe('true');
    expect(await description(verify)).toContain('The two passwords do not match');
    expect(await page.getByLabel('New Password').getAttribute('aria-invalid')).toBeNull();
    // The summary at the top is an alert whose link leads to the field in error.
    const summary = page.getByRole('alert');
    await summary
      .getByRole('link', { name: /Verify Password: The two passwords do not match/ })
      .waitFor();
    expect(await page.title()).toMatch(/^Error: Set Up Password/);
    // The focus lands on the summary, so a screen reader reads the problem first; its link
    // leads to the field.
    const focusedId = await page.evaluate(() => document.activeElement?.id ?? '');
    expect(focusedId).toBe('error-summary');
    await screenshot(page, 'forgot-password-06-mismatch');

    // Then a good password: success page, and the link back to Log In (no automatic sign-in).
    await page.getByLabel('New Password').fill(NEW_PASSWORD);
    await verify.fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Submit' }).click();
    await see('Password Changed');
    await screenshot(page, 'forgot-password-07-password-changed');
    await smtp.waitFor((m) => m.to.includes(EMAIL) && /was changed/i.test(m.subject));

    await page.getByRole('link', { name: 'Log In', exact: true }).click();
    await see('Log In');

    // Sign in with the new password, by keyboard alone, and land on the default view.
    expect(await isFocused(page.getByLabel('Email or Username'))).toBe(true);
    await page.keyboard.type(USERNAME);
    await page.keyboard.press('Tab');
    await page.keyboard.type(NEW_PASSWORD);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await see('Your products');
    const products = page.getByRole('list').getByRole('link');
    expect((await products.allTextContents()).sort()).toEqual(['EMResource', 'EMTrack', 'eICS']);
    await page.getByText(`Signed in as ${USERNAME}`).waitFor();
    await screenshot(page, 'forgot-password-08-your-products');
  });

  it('loads nothing from anywhere but the service itself', () => {
    const origin = new URL(svc.url).origin;
    expect(requested.length).toBeGreaterThan(10);
    expect(requested.filter((url) => new URL(url).origin !== origin)).toEqual([]);
    // The stylesheet is the service's own; nothing else is fetched.
    expect(requested.some((url) => url === `${origin}/static/latchkey.css`)).toBe(true);
  });
});
