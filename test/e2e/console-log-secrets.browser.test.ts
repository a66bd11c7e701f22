import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { totpCodeAt } from '../../service/domain/admin/totp.ts';
import { openLogFile, type LogFile } from '../../main/log-file.ts';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { ADMIN_PASSWORD, seedAdmin } from '../support/admin.ts';
import { describeBrowser } from '../support/browser.ts';
import { lockOut, mailTo, resetLinkIn, SEEDED_ANSWER } from '../support/console.ts';
import {
  closeDialog,
  confirmInDialog,
  enrolTotp,
  openAccount,
  signInThroughUi,
  startConsoleSuite,
  type ConsoleSuite,
} from '../support/console-e2e.ts';
import { startConsole, type ConsoleHarness } from '../support/console-harness.ts';

// Issue 17, R113: main's log file, written at its most detailed level (debug: every exchange)
// while an administrator works through the console in real Chromium, holds none of the secrets
// those scenarios used: the password (also typed into the username field by mistake), the TOTP
// secret and code, the access and refresh tokens, the caller's answer, the emailed code, the
// reset link and its token, and the temporary password shown once.

let suite: ConsoleSuite;
let h: ConsoleHarness;
let log: LogFile;
let org: string;
/** Every secret a scenario used, as the scenario met it. */
const secrets = new Map<string, string>();
const REASON = 'Caller on the phone, ticket in hand';

const dialog = () => h.page.getByRole('dialog');

async function choose(page: Page, action: string): Promise<void> {
  await page
    .getByRole('region', { name: 'Actions' })
    .getByRole('button', { name: action, exact: true })
    .click();
  await dialog().waitFor();
}

async function verifyByAnswer(): Promise<void> {
  await dialog()
    .getByLabel(/Answer the caller gives/)
    .fill(SEEDED_ANSWER);
  await dialog().getByRole('button', { name: 'Check answer' }).click();
  await dialog()
    .getByText(/Caller verified by security answer/)
    .waitFor();
}

/** Everything in the log folder (rotated files too). */
function logText(): string {
  const dir = path.dirname(log.file);
  return readdirSync(dir)
    .map((name) => readFileSync(path.join(dir, name), 'utf8'))
    .join('\n');
}

/** The forms a secret could take in a line: as is, URL-encoded, JSON-escaped. */
const formsOf = (secret: string) => [
  ...new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]),
];

describeBrowser('the log during console scenarios (issue 17, R113)', () => {
  beforeAll(async () => {
    suite = await startConsoleSuite();
    org = await seedOrganization(suite.svc.ctx, 'Lakeside Regional Health');
    await seedAdmin(suite.svc.ctx, {
      organizationId: org,
      username: 'lena.log',
      role: 'administrator',
    });
    const totpSecret = await enrolTotp(suite.svc, 'lena.log');
    secrets.set('TOTP secret', totpSecret);
    secrets.set('password', ADMIN_PASSWORD);
    log = openLogFile({
      folder: mkdtempSync(path.join(tmpdir(), 'latchkey-e2e-logs-')),
      level: 'debug',
      version: 'e2e',
    });
    h = await startConsole(suite.browser, {
      rendererDir: suite.rendererDir,
      preloadScript: suite.preloadScript,
      log,
    });
    await h.open();
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    await suite?.close();
  });

  it('signs in: first with the password typed into the username field, then with password and TOTP', async () => {
    await signInThroughUi(h, suite.url, { username: ADMIN_PASSWORD });
    await h.page.getByRole('alert').waitFor();
    // Every token the service hands this console, from here on.
    const profile = h.main.connections.list()[0];
    if (!profile) throw new Error('no connection');
    h.main.clientFor(profile).http.interceptors.response.use((response) => {
      const body = response.data as Record<string, unknown> | undefined;
      for (const key of ['accessToken', 'refreshToken'])
        if (typeof body?.[key] === 'string')
          secrets.set(`${key} ${secrets.size}`, body[key] as string);
      return response;
    });
    const code = totpCodeAt(secrets.get('TOTP secret') ?? '', suite.svc.clock.now());
    secrets.set('TOTP code', code);
    await h.page.getByLabel('Username').fill('lena.log');
    await h.page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await h.page.getByLabel('Authenticator code').fill(code);
    await h.page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await h.page.getByRole('combobox', { name: /Search accounts/ }).waitFor();
    expect([...secrets.keys()].filter((k) => k.startsWith('accessToken'))).toHaveLength(1);
  });

  it('unlocks an account after the caller’s spoken answer', async () => {
    await seedAccount(suite.svc.ctx, { organizationId: org, username: 'erin.locked' });
    await lockOut(suite.svc, 'erin.locked');
    secrets.set('security answer', SEEDED_ANSWER);
    await openAccount(h.page, 'erin.lo', 'erin.locked');
    await choose(h.page, 'Unlock');
    await verifyByAnswer();
    expect(await confirmInDialog(h.page, 'Unlock account', REASON)).toMatch(/unlocked/);
    await closeDialog(h.page);
  });

  it('sends a reset email (the link arrives by mail)', async () => {
    await seedAccount(suite.svc.ctx, { organizationId: org, username: 'alex.reset' });
    await openAccount(h.page, 'alex.re', 'alex.reset');
    await choose(h.page, 'Send reset email');
    await confirmInDialog(h.page, 'Send reset email', REASON, 'HD-1001');
    await closeDialog(h.page);
    const link = resetLinkIn(
      await mailTo(suite.smtp, 'alex.reset@example.org', /Reset the password/),
    );
    secrets.set('reset link', link);
    secrets.set('reset token', link.split('/reset/')[1] ?? link);
  });

  it('clears a security question after the caller reads out the emailed code', async () => {
    await seedAccount(suite.svc.ctx, { organizationId: org, username: 'quinn.q' });
    await openAccount(h.page, 'quinn', 'quinn.q');
    await choose(h.page, 'Clear security question');
    await dialog().getByRole('button', { name: 'Email a code' }).click();
    const mail = await mailTo(suite.smtp, 'quinn.q@example.org', /verification code/);
    const code = /\b(\d{6})\b/.exec(mail.text)?.[1] ?? '';
    secrets.set('emailed code', code);
    await dialog().getByLabel('Code the caller reads out').fill(code);
    await dialog().getByRole('button', { name: 'Check code' }).click();
    await dialog()
      .getByText(/Caller verified by emailed code/)
      .waitFor();
    await confirmInDialog(h.page, 'Clear security question', REASON);
    await closeDialog(h.page);
  });

  it('sets a temporary password, shown once', async () => {
    await seedAccount(suite.svc.ctx, { organizationId: org, username: 'tess.temp' });
    await openAccount(h.page, 'tess', 'tess.temp');
    await choose(h.page, 'Set temporary password');
    await verifyByAnswer();
    await confirmInDialog(h.page, 'Set temporary password', REASON);
    const shown = await dialog().getByTestId('temporary-password').innerText();
    secrets.set('temporary password', shown.replace(/\s/g, ''));
    secrets.set('temporary password as shown', shown);
    await closeDialog(h.page);
  });

  it('locks when idle and unlocks with the password', async () => {
    h.timers.advance(15 * 60_000);
    await h.page.getByRole('heading', { level: 1, name: 'Console locked' }).waitFor();
    await h.page.getByLabel('Password for Production').fill(ADMIN_PASSWORD);
    await h.page.getByRole('button', { name: 'Unlock' }).click();
    await h.page.getByRole('combobox', { name: /Search accounts/ }).waitFor();
  });

  it('the log tells what happened, and holds none of the secrets', () => {
    const text = logText();
    // The log is about these scenarios: sign-in, each exchange, the lock.
    expect(text).toContain('Production: sign-in refused (unauthorized)');
    expect(text).toContain('Production: signed in as lena.log');
    expect(text).toMatch(/Production: POST \/api\/v1\/auth\/sign-in → 200/);
    expect(text).toMatch(/Production: POST \/api\/v1\/accounts\/[0-9a-f-]+\/actions\/unlock → 200/);
    expect(text).toContain('Production: locked (idle lock)');
    expect(secrets.size).toBeGreaterThanOrEqual(11);
    const found = [...secrets].flatMap(([name, secret]) =>
      formsOf(secret)
        .filter((form) => text.includes(form))
        .map(() => name),
    );
    expect(found).toEqual([]);
  });
});
