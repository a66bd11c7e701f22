import { afterAll, beforeAll, expect, it } from 'vitest';
import { revokeAccountTokens } from '../../service/domain/admin/api-tokens.ts';
import { totpCodeAt } from '../../service/domain/admin/totp.ts';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { ADMIN_PASSWORD, seedAdmin } from '../support/admin.ts';
import { describeBrowser } from '../support/browser.ts';
import {
  enrolTotp,
  openAccount,
  openSignedIn,
  record,
  signInThroughUi,
  startConsoleSuite,
  type ConsoleSuite,
} from '../support/console-e2e.ts';

// The console's connections in real Chromium: the built renderer, the real preload bound to
// main's real handlers and router, a real account service and SMTP server.

let suite: ConsoleSuite;
let strictOrg: string;
let easyOrg: string;

describeBrowser('console: connections, sign-in and the lock screen', () => {
  beforeAll(async () => {
    suite = await startConsoleSuite();
    strictOrg = await seedOrganization(suite.svc.ctx, 'Lakeside Regional Health');
    easyOrg = await seedOrganization(suite.svc.ctx, 'Demo Health', { adminTotpExempt: true });
    await seedAccount(suite.svc.ctx, { organizationId: strictOrg, username: 'jrivera' });
  });
  afterAll(async () => suite?.close());

  it('signs in with username, password and a TOTP code, then the search box has the focus', async () => {
    const { svc } = suite;
    await seedAdmin(svc.ctx, {
      organizationId: strictOrg,
      username: 'morgan',
      role: 'administrator',
    });
    const secret = await enrolTotp(svc, 'morgan');
    const h = await suite.console();
    await h.open();
    await record(h.page, 'console-connections-empty');

    await signInThroughUi(h, suite.url, { username: 'morgan' });
    // Without the code the service asks for it: the form says so and focuses the code field.
    const code = h.page.getByLabel('Authenticator code');
    await h.page.getByRole('alert').filter({ hasText: 'authenticator' }).waitFor();
    await expect.poll(() => code.evaluate((el) => el === document.activeElement)).toBe(true);
    await record(h.page, 'console-sign-in-totp-required');

    await h.page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await code.fill(totpCodeAt(secret, svc.clock.now()));
    await h.page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const box = h.page.getByRole('combobox', { name: /Search accounts/ });
    await box.waitFor();
    await expect.poll(() => box.evaluate((el) => el === document.activeElement)).toBe(true);
    const banner = await h.page.getByRole('banner').innerText();
    expect(banner).toContain('morgan');
    expect(banner).toContain('Production');
    await record(h.page, 'console-signed-in');
  });

  it('the idle lock hides everything until the password is given again', async () => {
    const { svc } = suite;
    await seedAdmin(svc.ctx, {
      organizationId: easyOrg,
      username: 'lou.lock',
      role: 'administrator',
    });
    const h = await suite.console();
    await openSignedIn(h, suite.url, { username: 'lou.lock' });
    const box = h.page.getByRole('combobox', { name: /Search accounts/ });
    await box.fill('jriv');
    // The policy's 15 minutes pass without a key pressed (main's idle lock, on its timers).
    h.timers.advance(15 * 60_000);
    await h.page.getByRole('heading', { level: 1, name: 'Console locked' }).waitFor();
    expect(h.events).toContainEqual(expect.objectContaining({ type: 'locked' }));
    expect(await box.count()).toBe(0);
    expect(await h.page.innerText('body')).toContain('Locked after 15 minutes without activity');
    await record(h.page, 'console-lock-screen');

    const password = h.page.getByLabel('Password for Production');
    await password.fill('not the password at all');
    await h.page.getByRole('button', { name: 'Unlock' }).click();
    await h.page.getByRole('alert').waitFor();
    await record(h.page, 'console-lock-screen-wrong-password');
    await password.fill(ADMIN_PASSWORD);
    await h.page.getByRole('button', { name: 'Unlock' }).click();
    await box.waitFor();
    expect(await box.inputValue()).toBe('jriv');
  });

  it('a session the service ended: one event, that connection’s data forgotten, sign in again', async () => {
    const { svc } = suite;
    const adminId = await seedAdmin(svc.ctx, {
      organizationId: easyOrg,
      username: 'eve.expire',
      role: 'super_admin',
    });
    const h = await suite.console();
    await openSignedIn(h, suite.url, { username: 'eve.expire' });
    await openAccount(h.page, 'jriv', 'jrivera');
    // Elsewhere, every console session of this administrator is revoked.
    await revokeAccountTokens(svc.ctx.db, svc.ctx.clock, adminId);
    await h.page.getByRole('button', { name: 'Refresh' }).click();
    const banner = h.page
      .getByRole('alert')
      .filter({ hasText: 'Your session on Production ended' });
    await banner.waitFor();
    expect(h.events).toContainEqual({ type: 'session-expired', connectionId: expect.any(String) });
    expect(await h.page.getByRole('heading', { name: /^jrivera/ }).count()).toBe(0);
    await h.page.getByRole('heading', { name: 'Connections', exact: true }).waitFor();
    expect(await h.page.getByRole('button', { name: 'Sign in to Production' }).count()).toBe(1);
    await record(h.page, 'console-session-expired');
  });
});
