import type { Browser, BrowserContext, Page } from 'playwright-core';
import * as client from 'openid-client';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import {
  BROWSER_PATIENCE_MS,
  describeBrowser,
  launchBrowser,
  screenshot,
} from '../support/browser.ts';
import { RelyingParty } from '../support/relying-party.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { linksIn, startSmtp, type SmtpCatcher } from '../support/smtp.ts';

// Issue 14 in a real browser: a product (openid-client on loopback) sends Chromium to Latchkey,
// the person uses the seed's own Log In page with all its rules, and comes back signed in. The
// product validates the ID token against the JWKS, checks state, nonce, PKCE and `iss`.

const PASSWORD = 'tulip orbit saddle lantern';
const CONTACT = 'the Bayside helpdesk on 555-0123';
let smtp: SmtpCatcher;
let svc: TestService;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let org: string;
const emresource = new RelyingParty('EMResource');
const eics = new RelyingParty('eICS');
const emtrack = new RelyingParty('EMTrack');

const heading = (name: string) => page.getByRole('heading', { level: 1, name, exact: true });
const see = (name: string) => heading(name).waitFor();

async function logIn(identifier: string, password: string): Promise<void> {
  await page.getByLabel('Email or Username').fill(identifier);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log In', exact: true }).click();
}

let counter = 0;
async function person(o: { products?: string[]; mustChange?: boolean; email?: string } = {}) {
  const username = `bay${(counter += 1)}`;
  const email = o.email ?? `${username}@bayside.example.org`;
  const id = await seedAccount(svc.ctx, { organizationId: org, username, ...o, email });
  return { id, username, email };
}

describeBrowser('products sign in through Latchkey (OpenID Connect) in a real browser', () => {
  beforeAll(async () => {
    smtp = await startSmtp();
    [svc, browser] = await Promise.all([startTestService({ smtp }), launchBrowser()]);
    org = await seedOrganization(svc.ctx, 'Bayside Health', { adminContact: CONTACT });
    for (const [rp, product] of [
      [emresource, 'emresource'],
      [eics, 'eics'],
      [emtrack, 'emtrack'],
    ] as const) {
      await rp.start();
      await rp.register(svc.ctx, svc.url, { product });
    }
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await Promise.all([emresource, eics, emtrack].map((rp) => rp.stop()));
    await svc?.close();
    await smtp?.close();
  });
  beforeEach(async () => {
    await context?.close();
    context = await browser.newContext({ viewport: { width: 900, height: 800 } });
    context.setDefaultTimeout(BROWSER_PATIENCE_MS);
    page = await context.newPage();
  });

  it('the code flow with PKCE: Log In for EMResource, back signed in; userinfo and a rotating refresh token work', async () => {
    const p = await person();
    await page.goto(
      emresource.startUrl({
        scope: 'openid profile email organization products offline_access',
        prompt: 'consent',
      }),
    );
    await see('Log In');
    await page.getByText('Sign in to continue to EMResource.').waitFor();
    expect(new URL(page.url()).origin).toBe(svc.url);
    await screenshot(page, 'oidc-01-log-in-for-emresource');
    await logIn(p.username, PASSWORD);
    await see('Signed in to EMResource');
    expect(page.url().startsWith(emresource.callbackUrl)).toBe(true);
    const signIn = emresource.signIns.at(-1);
    expect(signIn?.claims).toMatchObject({
      iss: svc.url,
      sub: p.id,
      preferred_username: p.username,
      email: p.email,
      organization: 'Bayside Health',
      products: ['emresource', 'eics', 'emtrack'],
    });
    const config = emresource.requireConfig();
    expect(await client.fetchUserInfo(config, signIn?.accessToken ?? '', p.id)).toMatchObject({
      sub: p.id,
      name: p.username,
    });
    const refreshed = await client.refreshTokenGrant(config, signIn?.refreshToken ?? '');
    expect(refreshed.claims()?.sub).toBe(p.id);
    await expect(
      client.refreshTokenGrant(config, signIn?.refreshToken ?? ''),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('single sign-on: signed in for EMResource, the browser goes straight into eICS without typing', async () => {
    const p = await person();
    await page.goto(emresource.startUrl());
    await logIn(p.username, PASSWORD);
    await see('Signed in to EMResource');
    await page.goto(eics.startUrl());
    await see('Signed in to eICS');
    expect(eics.signIns.at(-1)?.claims.sub).toBe(p.id);
  });

  it("R39/R40: lockout holds on a product's Log In: five wrong passwords, then the right one fails too", async () => {
    const p = await person();
    await page.goto(emresource.startUrl());
    for (let i = 0; i < 5; i += 1) {
      await logIn(p.username, `wrong guess number ${i}`);
      await page.getByText('do not match an account that can sign in').first().waitFor();
    }
    const before = emresource.signIns.length;
    await logIn(p.username, PASSWORD);
    await see('Log In');
    await page.getByText('do not match an account that can sign in').first().waitFor();
    await screenshot(page, 'oidc-02-locked-out');
    expect(emresource.signIns.length).toBe(before);
    const account = await svc.ctx.db
      .selectFrom('accounts')
      .select('locked_at')
      .where('id', '=', p.id)
      .executeTakeFirstOrThrow();
    expect(account.locked_at).not.toBeNull();
  });

  it('a must-change account changes its password, then continues to the product', async () => {
    const p = await person({ mustChange: true });
    await page.goto(emresource.startUrl());
    await logIn(p.username, PASSWORD);
    await see('Change Password');
    await page.getByText('You must choose a new password before you continue.').waitFor();
    const fresh = 'amber kettle sunrise quietly';
    await page.getByLabel('Current Password').fill(PASSWORD);
    await page.getByLabel('New Password').fill(fresh);
    await page.getByLabel('Verify Password').fill(fresh);
    await screenshot(page, 'oidc-03-must-change');
    await page.getByRole('button', { name: 'Submit' }).click();
    await see('Signed in to EMResource');
    expect(emresource.signIns.at(-1)?.claims.sub).toBe(p.id);
  });

  it('a forgotten password started from the product ends back at the product', async () => {
    const p = await person();
    await page.goto(emresource.startUrl());
    await see('Log In');
    await page.getByRole('link', { name: 'forgot password?' }).click();
    await see('Reset Your Password');
    await page.getByLabel('Email or Username').fill(p.username);
    await page.getByRole('button', { name: 'Continue' }).click();
    await see('Check Your Email');

    const mail = await smtp.waitFor((m) => m.to.includes(p.email) && /reset/i.test(m.subject));
    const link = linksIn(mail.text).find((url) => url.includes('/reset/')) ?? '';
    await page.goto(link);
    await see('Password Challenge');
    await page.getByLabel('Answer').fill('Rex the dog');
    await page.getByRole('button', { name: 'Submit' }).click();
    await see('Set Up Password');
    const fresh = 'copper meadow violin lantern';
    await page.getByLabel('New Password').fill(fresh);
    await page.getByLabel('Verify Password').fill(fresh);
    await page.getByRole('button', { name: 'Submit' }).click();
    await see('Password Changed');
    await screenshot(page, 'oidc-04-password-changed-back-to-product');
    // No automatic sign-in (R23): the way back is Log In for that product.
    await page.getByRole('link', { name: 'Log In to continue to EMResource' }).click();
    await see('Log In');
    await page.getByText('Sign in to continue to EMResource.').waitFor();
    await logIn(p.username, fresh);
    await see('Signed in to EMResource');
    expect(emresource.signIns.at(-1)?.claims.sub).toBe(p.id);
  });

  it('a product the account may not use: a page that says so and whom to ask; the product gets access_denied', async () => {
    const p = await person({ products: ['emresource'] });
    await page.goto(emtrack.startUrl());
    await logIn(p.username, PASSWORD);
    await see('No Access to EMTrack');
    await page.getByText(`ask ${CONTACT} to give your account access to EMTrack`).waitFor();
    await screenshot(page, 'oidc-05-no-access');
    await page.getByRole('link', { name: 'Return to EMTrack' }).click();
    await see('EMTrack: sign-in refused');
    expect(emtrack.refusals.at(-1)).toMatchObject({ error: 'access_denied', iss: svc.url });
  });

  it('"Sign out everywhere" from a product signs the browser out of Latchkey too', async () => {
    const p = await person();
    await page.goto(emresource.startUrl());
    await logIn(p.username, PASSWORD);
    await see('Signed in to EMResource');
    const endSession = client.buildEndSessionUrl(emresource.requireConfig(), {
      id_token_hint: emresource.signIns.at(-1)?.idToken ?? '',
      post_logout_redirect_uri: `${emresource.origin}/`,
    });
    await page.goto(endSession.href);
    await see('Sign Out');
    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await see('EMResource');
    expect(new URL(page.url()).origin).toBe(emresource.origin);
    await page.goto(eics.startUrl());
    await see('Log In');
  });
});
