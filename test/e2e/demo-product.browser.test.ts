import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { seedDemo, type DemoAccount } from '../../service/demo.ts';
import {
  BROWSER_PATIENCE_MS,
  describeBrowser,
  launchBrowser,
  screenshot,
} from '../support/browser.ts';
import { startDemoProduct, type RunningDemoProduct } from '../support/demo-product.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { linksIn, startSmtp, type SmtpCatcher } from '../support/smtp.ts';

// The README's demo-product walkthrough, in real Chromium: the demo product (the code of
// `npm run demo:product`) on loopback, a real service with the demo accounts, real SMTP.
// Issue 14: "open it, get sent to Latchkey's Log In, come back signed in, and see it signed out
// when the password is reset".

const NEW_PASSWORD = 'lantern quarry velvet otter';

let smtp: SmtpCatcher;
let svc: TestService;
let product: RunningDemoProduct;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let alice: DemoAccount;

const heading = (p: Page, name: string) =>
  p.getByRole('heading', { level: 1, name, exact: true }).waitFor();

/** The value shown beside `term` on the product's signed-in page. */
const shown = (term: string) => page.locator(`dt:text-is("${term}") + dd`).textContent();

describeBrowser('the demo product signs in with Latchkey (issue 14)', () => {
  beforeAll(async () => {
    smtp = await startSmtp();
    [svc, browser] = await Promise.all([startTestService({ smtp }), launchBrowser()]);
    const accounts = await seedDemo(svc.ctx);
    const found = accounts.find((a) => a.username === 'alice');
    if (!found?.answer) throw new Error('the demo has no alice with a security answer');
    alice = found;
    product = await startDemoProduct(svc);
    context = await browser.newContext({ viewport: { width: 900, height: 800 } });
    context.setDefaultTimeout(BROWSER_PATIENCE_MS);
    page = await context.newPage();
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await product?.close();
    await svc?.close();
    await smtp?.close();
  });

  it('open the product, sign in on Latchkey’s Log In, come back signed in with the ID token’s claims', async () => {
    await page.goto(product.origin);
    await heading(page, 'Not signed in');
    await page.getByRole('link', { name: 'Sign in with Latchkey' }).click();

    // Latchkey's own Log In page, carrying the product's sign-in.
    await heading(page, 'Log In');
    expect(page.url()).toMatch(new RegExp(`^${svc.url}/login\\?interaction=`));
    await page.getByLabel('Email or Username').fill(alice.username);
    await page.getByLabel('Password', { exact: true }).fill(alice.password);
    await page.getByRole('button', { name: 'Log In', exact: true }).click();

    await heading(page, 'Signed in as alice');
    expect(page.url()).toBe(`${product.origin}/`);
    expect(await shown('Name')).toBe('Alice Moreno');
    expect(await shown('Username')).toBe('alice');
    expect(await shown('Email')).toBe(alice.email);
    expect(await shown('Organization')).toBe('Demo Health');
    expect(await shown('Products')).toBe('emresource, eics, emtrack');
    await screenshot(page, 'demo-product-01-signed-in');

    // The product's session cookie: no script can read it, another site's POST does not carry it.
    const cookie = (await context.cookies(product.origin)).find(
      (c) => c.name === 'demo_product_session',
    );
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
  });

  it('R24: a password reset elsewhere signs the product out through back-channel logout', async () => {
    // Latchkey signs logout tokens with its (manual) clock; the product checks their age against
    // the real one.
    svc.clock.advance(Date.now() - svc.clock.now());

    // The person resets the password from another device, following the real email.
    const phone = await browser.newContext();
    const other = await phone.newPage();
    await other.goto(`${svc.url}/forgot-password`);
    await other.getByLabel('Email or Username').fill(alice.username);
    await other.getByRole('button', { name: 'Continue' }).click();
    await heading(other, 'Check Your Email');
    const mail = await smtp.waitFor((m) => m.to.includes(alice.email) && /reset/i.test(m.subject));
    const link = linksIn(mail.text).find((url) => url.startsWith(`${svc.url}/reset/`));
    await other.goto(link ?? 'about:blank');
    await heading(other, 'Password Challenge');
    await other.getByLabel('Answer').fill(alice.answer ?? '');
    await other.getByRole('button', { name: 'Submit' }).click();
    await heading(other, 'Set Up Password');
    await other.getByLabel('New Password').fill(NEW_PASSWORD);
    await other.getByLabel('Verify Password').fill(NEW_PASSWORD);
    await other.getByRole('button', { name: 'Submit' }).click();
    await heading(other, 'Password Changed');
    await phone.close();

    // The product says when the logout token arrived and what it ended.
    expect(await product.logged(/^back-channel logout/)).toBe(
      'back-channel logout: 1 session(s) ended',
    );
    await page.reload();
    await heading(page, 'Not signed in');
    await screenshot(page, 'demo-product-02-signed-out-by-reset');

    // Latchkey's session in this browser ended too: signing in again asks for the password.
    await page.getByRole('link', { name: 'Sign in with Latchkey' }).click();
    await heading(page, 'Log In');
    await page.getByLabel('Email or Username').fill(alice.username);
    await page.getByLabel('Password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Log In', exact: true }).click();
    await heading(page, 'Signed in as alice');
  });

  it('Sign out at the product, then "Sign out everywhere" at Latchkey, lands back on the product signed out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await heading(page, 'Sign Out');
    expect(page.url().startsWith(`${svc.url}/oidc/session/end`)).toBe(true);
    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await heading(page, 'Not signed in');
    expect(page.url()).toBe(`${product.origin}/`);
    // Signed out of Latchkey as well: its Log In asks for a password.
    await page.goto(`${svc.url}/`);
    await heading(page, 'Log In');
  });
});
