import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LatchkeyApi } from '../../preload/index.ts';
import { findElectronBinary } from '../../scripts/electron-binary.ts';
import { seedAccount, seedOrganization } from '../support/accounts.ts';
import { ADMIN_PASSWORD, seedAdmin } from '../support/admin.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { makeTestPki, startHttpsFront, type HttpsFront } from '../main/test-pki.ts';
import type { IpcResult } from '../../common/ipc/contract.ts';
import { shownFailure } from '../support/shown-failure.ts';

// The real app (built main, preload and renderer in the real Electron) signing in and
// searching through the real bridge. It needs the Electron binary, which cannot be downloaded
// on every machine, so it runs only when asked: ELECTRON_E2E=1 (after `npm run build`).

const requested = process.env.ELECTRON_E2E === '1';
const NOT_RUN =
  'NOT RUN: set ELECTRON_E2E=1 on a machine with the Electron binary, after npm run build';

declare global {
  interface Window {
    latchkey: LatchkeyApi;
  }
}

function describeElectron(name: string, fn: () => void): void {
  if (requested) {
    describe(name, fn);
    return;
  }
  // Say why, so a skip is never mistaken for a pass: usually the binary cannot be had here.
  const binary = findElectronBinary();
  const why = binary.path
    ? 'ELECTRON_E2E is not 1'
    : `${binary.reason ?? 'no Electron binary'} (electron downloads it at first launch, which needs the internet)`;
  process.stderr.write(
    `\n!! ELECTRON SMOKE TEST NOT RUN: ${name}\n!! ${why}; reported as SKIPPED.\n\n`,
  );
  describe.skip(`${name} — ${NOT_RUN} (${why})`, fn);
}

describeElectron('the console in real Electron', () => {
  let svc: TestService;
  let app: ElectronApplication;
  let page: Page;
  // Issue 17: two HTTPS fronts with a test hospital's certificates, so Electron's own stack
  // (session.fetch, Chromium's verifier, our verify proc) is what accepts or refuses them.
  const fronts: HttpsFront[] = [];

  beforeAll(async () => {
    const electron = findElectronBinary();
    if (!electron.path) throw new Error(`ELECTRON_E2E=1 but ${electron.reason}.`);
    if (!existsSync('out/main/index.js')) throw new Error('Run npm run build first.');
    svc = await startTestService();
    const org = await seedOrganization(svc.ctx, 'Demo Health', { adminTotpExempt: true });
    await seedAccount(svc.ctx, { organizationId: org, username: 'alice.smith' });
    await seedAdmin(svc.ctx, { organizationId: org, username: 'ann', role: 'administrator' });
    const dir = mkdtempSync(path.join(tmpdir(), 'latchkey-electron-'));
    const config = path.join(dir, 'config.json');
    const pki = makeTestPki();
    const trusted = await startHttpsFront(pki.server, svc.url);
    const expired = await startHttpsFront(pki.expired, svc.url);
    fronts.push(trusted, expired);
    writeFileSync(
      config,
      JSON.stringify({
        connections: [
          { name: 'Smoke', url: svc.url, colour: '#0f766e' },
          { name: 'Hospital TLS', url: `https://localhost:${trusted.port}`, colour: '#1d4ed8' },
          { name: 'Expired TLS', url: `https://localhost:${expired.port}`, colour: '#b91c1c' },
        ],
        network: { caBundleFile: pki.rootFile },
      }),
    );
    app = await _electron.launch({
      executablePath: electron.path,
      args: ['.'],
      env: { ...process.env, LATCHKEY_CONFIG: config, LATCHKEY_USER_DATA: path.join(dir, 'user') },
    });
    page = await app.firstWindow();
    await page.waitForLoadState('domcontentloaded');
  });
  afterAll(async () => {
    await app?.close();
    await Promise.all(fronts.map((front) => front.close()));
    await svc?.close();
  });

  it('R95, R112: the page has no Node, and the bridge is exactly the contract', async () => {
    expect(await page.evaluate(() => [typeof require, typeof process, typeof module])).toEqual([
      'undefined',
      'undefined',
      'undefined',
    ]);
    expect(page.url()).toBe('app://latchkey/index.html');
    const keys = await page.evaluate(() => Object.keys(window.latchkey).sort());
    expect(keys).toContain('signIn');
    expect(keys).not.toContain('invoke');
  });

  it('signs in and searches through the real preload and IPC', async () => {
    const found = await page.evaluate(
      async ({ password }) => {
        const list = await window.latchkey.listConnections({});
        if (!list.ok || !list.value[0]) return { step: 'list', list };
        const connectionId = list.value[0].id;
        const signedIn = await window.latchkey.signIn({ connectionId, username: 'ann', password });
        if (!signedIn.ok) return { step: 'signIn', signedIn };
        const search = await window.latchkey.searchAccounts({
          connectionIds: [connectionId],
          q: 'alice',
        });
        return { step: 'done', search };
      },
      { password: ADMIN_PASSWORD },
    );
    expect(found).toMatchObject({
      step: 'done',
      search: {
        ok: true,
        value: [{ error: null, result: { items: [{ username: 'alice.smith' }] } }],
      },
    });
  });

  it('issue 17: net.fetch accepts the hospital’s root from network.caBundleFile and refuses an expired certificate, in words', async () => {
    const answers = await page.evaluate(async (password) => {
      const list = await window.latchkey.listConnections({});
      if (!list.ok) return { list };
      const idOf = (name: string) => list.value.find((c) => c.name === name)?.id ?? '';
      const signIn = (name: string) =>
        window.latchkey.signIn({ connectionId: idOf(name), username: 'ann', password });
      return { trusted: await signIn('Hospital TLS'), expired: await signIn('Expired TLS') };
    }, ADMIN_PASSWORD);
    expect(answers).toMatchObject({
      trusted: { ok: true },
      expired: { ok: false, code: 'offline' },
    });
    // Main answers the refusal as data; the renderer words it.
    const expired = await shownFailure(answers.expired as IpcResult<unknown>);
    expect(expired).toContain('its certificate expired on 2020-02-01');
    expect(expired).toMatch(/net::ERR_CERT_(DATE_INVALID|AUTHORITY_INVALID)/);
  });
});
