import { afterAll, beforeAll, expect, it } from 'vitest';
import { InstallationState } from '../../main/installation-state.ts';
import { configOf, jsonSource, type MachineConfig } from '../../main/machine-config.ts';
import { updatesOff } from '../../main/updates.ts';
import { describeBrowser } from '../support/browser.ts';
import { record, startConsoleSuite, type ConsoleSuite } from '../support/console-e2e.ts';
import { startConsole, type ConsoleHarness } from '../support/console-harness.ts';

// Issue 17: "About this installation" as IT and a helpdesk agent see it, and the screen of a
// build older than IT's minimum version, in real Chromium against main's real handlers.

let suite: ConsoleSuite;
const harnesses: ConsoleHarness[] = [];

const POLICY_KEY = 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Latchkey\\Console';

/** Windows policy sets the log level and the update address; the JSON file the connections. */
function managed(extra: Record<string, unknown> = {}): MachineConfig {
  return configOf([
    {
      kind: 'windows-policy',
      location: POLICY_KEY,
      layer: {
        logLevel: 'warn',
        updates: { url: 'https://updates.hospital.example/latchkey/' },
        ...extra,
      },
    },
    jsonSource(
      JSON.stringify({
        connections: [{ name: 'Production', url: suite.url }],
        idleLockMinutes: 10,
      }),
      'C:\\ProgramData\\Latchkey\\config.json',
    ),
    { kind: 'user-settings', location: 'your settings' },
  ]);
}

function installationFor(machine: MachineConfig, version = '0.1.0') {
  const store = new Map<string, unknown>();
  return new InstallationState({
    version,
    platform: 'win32',
    arch: 'x64',
    install: { scope: 'per-machine', kind: 'MSI', location: 'C:\\Program Files\\Latchkey' },
    machine,
    store: { get: (key) => store.get(key), set: (key, value) => void store.set(key, value) },
  });
}

async function consoleWith(machine: MachineConfig, installation: InstallationState) {
  const h = await startConsole(suite.browser, {
    rendererDir: suite.rendererDir,
    preloadScript: suite.preloadScript,
    machine,
    installation,
  });
  harnesses.push(h);
  await h.open();
  return h;
}

describeBrowser('console: About this installation and the minimum version (issue 17)', () => {
  beforeAll(async () => {
    suite = await startConsoleSuite();
  }, 120_000);
  afterAll(async () => {
    await Promise.all(harnesses.map((h) => h.close()));
    await suite?.close();
  });

  it('shows each managed setting read-only with who set it, the sources and the updates’ state', async () => {
    const machine = managed();
    const installation = installationFor(machine);
    installation.setUpdates({
      ...updatesOff(null),
      state: 'cannot-install',
      available: '0.2.0',
      checkedAt: Date.now(),
      url: 'https://updates.hospital.example/latchkey/',
      channel: 'latest',
      denied: { reason: 'all_users', location: null },
    });
    const h = await consoleWith(machine, installation);
    await h.page
      .getByRole('navigation', { name: 'Screens' })
      .getByRole('button', { name: 'About' })
      .click();
    await h.page.getByRole('heading', { level: 2, name: 'About this installation' }).waitFor();
    const settings = h.page.getByRole('table');
    const row = (name: string) => settings.getByRole('row', { name: new RegExp(`^${name}`) });
    expect(await row('Connections').innerText()).toMatch(
      /Production \(http:\/\/127\.0\.0\.1:\d+\)\s+Configuration file/,
    );
    expect(await row('Log level').innerText()).toMatch(/warn\s+Windows policy/);
    expect(await row('Update address').innerText()).toMatch(
      /https:\/\/updates\.hospital\.example\/latchkey\/\s+Windows policy/,
    );
    expect(await row('Proxy').innerText()).toMatch(/the system’s proxy settings\s+Default/);
    const copy = await h.page.getByRole('region', { name: 'This copy' }).innerText();
    expect(copy).toContain('For all users of this computer (installed by an administrator) · MSI');
    const updates = h.page.getByRole('region', { name: 'Updates' });
    expect(await updates.getByRole('status').innerText()).toBe(
      'Cannot install here · version 0.2.0',
    );
    // Main sent the reason as a code; the renderer words it, with what IT should do.
    expect(await updates.innerText()).toContain(
      'Version 0.2.0 is available, but this copy is installed for all users and your account is not an administrator of this computer. IT should deploy the new version with your software distribution',
    );
    const sources = await h.page
      .getByRole('region', { name: 'Where settings are read' })
      .innerText();
    expect(sources).toContain('Windows policy: Applied');
    expect(sources).toContain(POLICY_KEY);
    // Set by policy: the user cannot change the log level here.
    const level = h.page.getByLabel('Log detail');
    expect(await level.isDisabled()).toBe(true);
    expect(await h.page.getByText('Set by windows policy.').count()).toBe(1);
    await record(h.page, 'console-about-managed');
  });

  it('when no machine source sets the log level, the user may choose it, and main keeps it', async () => {
    const machine = configOf([
      jsonSource('{}', '/etc/latchkey/config.json'),
      { kind: 'user-settings', location: 'your settings' },
    ]);
    const installation = installationFor(machine);
    const h = await consoleWith(machine, installation);
    await h.page.getByRole('button', { name: 'About' }).click();
    await h.page.getByLabel('Log detail').selectOption('debug');
    await expect
      .poll(() => installation.view().logs)
      .toMatchObject({ level: 'debug', levelOrigin: 'user-settings' });
    expect(
      await h.page
        .getByRole('table')
        .getByRole('row', { name: /^Log level/ })
        .innerText(),
    ).toMatch(/debug\s+Your settings/);
  });

  it('a refused policy: the problem is the first thing the About view says', async () => {
    const machine = configOf([
      {
        kind: 'windows-policy',
        location: POLICY_KEY,
        problem: `${POLICY_KEY}: ProxyMode: Enter one of system, direct, auto_detect, pac_script, fixed_servers`,
      },
    ]);
    const h = await consoleWith(machine, installationFor(machine));
    await h.page.getByRole('button', { name: 'About' }).click();
    const alert = h.page.getByRole('alert').filter({ hasText: 'settings were refused' });
    expect(await alert.innerText()).toContain('ProxyMode: Enter one of');
    await record(h.page, 'console-about-refused');
  });

  it('an older build than the minimum: one screen that says why and who can fix it; nothing else opens', async () => {
    const machine = managed({ minimumVersion: '0.3.0' });
    const h = await consoleWith(machine, installationFor(machine, '0.1.0'));
    await h.page
      .getByRole('heading', { level: 1, name: 'This version of Latchkey can no longer be used' })
      .waitFor();
    const text = await h.page.innerText('main');
    expect(text).toContain(
      'Your organization requires version 0.3.0 or later. This copy is version 0.1.0.',
    );
    expect(text).toContain(
      'only IT can replace it: ask your IT service desk to install the current version',
    );
    expect(await h.page.getByRole('combobox', { name: /Search accounts/ }).count()).toBe(0);
    // Main refused the connections too: the screen is not only the renderer's say-so.
    expect(h.calls).toContain('listConnections');
    await record(h.page, 'console-minimum-version');
    await h.page.getByRole('button', { name: 'About this installation' }).click();
    await h.page.getByRole('heading', { level: 2, name: 'About this installation' }).waitFor();
    expect(await h.page.getByRole('region', { name: 'This copy' }).innerText()).toContain(
      '0.3.0 — this copy is older',
    );
  });
});
