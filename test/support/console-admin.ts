import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import { screenshot } from './browser.ts';

/** The page the Log In form leads to, after signing in as `identifier` with `password`. */
export async function signInOnLogInPage(
  browser: Browser,
  serviceUrl: string,
  identifier: string,
  password: string,
): Promise<{ page: Page; heading: string }> {
  const page = await browser.newPage();
  await page.goto(`${serviceUrl}/login`);
  await page.getByLabel('Email or Username').fill(identifier);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log In' }).click();
  await page.waitForLoadState('load');
  const heading = (await page.getByRole('heading', { level: 1 }).first().innerText()).trim();
  return { page, heading };
}

/** Expects the Log In page to refuse with its one generic sentence (R39). */
export async function expectSignInRefused(
  browser: Browser,
  serviceUrl: string,
  identifier: string,
  password: string,
  shot?: string,
): Promise<void> {
  const { page, heading } = await signInOnLogInPage(browser, serviceUrl, identifier, password);
  expect(heading).toBe('Log In');
  await page
    .getByText(/do not match an account that can sign in/)
    .first()
    .waitFor();
  if (shot) await screenshot(page, shot);
  await page.close();
}

/**
 * Follows an emailed set-up link on the service's own pages: Set Up Password, the new password
 * twice, Submit; answers the page it ends on (Password Changed).
 */
export async function setUpPassword(
  browser: Browser,
  link: string,
  password: string,
  shot?: string,
): Promise<void> {
  const page = await browser.newPage();
  await page.goto(link);
  await page.getByRole('heading', { level: 1, name: 'Set Up Password' }).waitFor();
  if (shot) await screenshot(page, shot);
  await page.getByLabel('New Password').fill(password);
  await page.getByLabel('Verify Password').fill(password);
  await page.getByRole('button', { name: 'Submit' }).click();
  await page.getByRole('heading', { level: 1, name: 'Password Changed' }).waitFor();
  await page.close();
}
