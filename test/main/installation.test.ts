import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SettingKey } from '../../common/ipc/installation-contract.ts';
import { installFacts } from '../../main/install-facts.ts';
import { InstallationState } from '../../main/installation-state.ts';
import { openLogFile } from '../../main/log-file.ts';
import { configOf, jsonSource, type MachineConfig } from '../../main/machine-config.ts';
import { compareVersions, isBelow, withinPin } from '../../main/versions.ts';
import {
  platformWords,
  SETTING_LABELS,
  settingValueWords,
} from '../../renderer/features/about/about-words.ts';
import { startConsoleMain } from '../support/main-process.ts';
import { shownFailure } from '../support/shown-failure.ts';

// Issue 17: "About this installation" — what IT manages here and from where, read-only — and the
// minimum version, enforced in main (not only on the renderer's screen).

/** A machine with Windows policy setting the log level and the JSON file the rest. */
function managed(): MachineConfig {
  return configOf([
    {
      kind: 'windows-policy',
      location: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Latchkey\\Console',
      layer: { logLevel: 'warn', updates: { url: 'https://updates.hospital.example/' } },
    },
    jsonSource(
      JSON.stringify({
        connections: [{ name: 'Production', url: 'https://login.hospital.example' }],
        idleLockMinutes: 10,
        updates: { deferDays: 7 },
      }),
      'C:\\ProgramData\\Latchkey\\config.json',
    ),
    { kind: 'user-settings', location: 'your settings' },
  ]);
}

describe('the About view', () => {
  it('each setting’s value in words and where it came from; each source’s state', async () => {
    const h = startConsoleMain({ machine: managed() });
    const about = await h.ok('getInstallation', {});
    // Main answers data; the renderer words it, as the About view shows it.
    expect(about.values).toMatchObject({
      connections: [{ name: 'Production', url: 'https://login.hospital.example' }],
      idleLockMinutes: 10,
      updateDeferDays: 7,
      proxy: null,
    });
    expect(about).toMatchObject({ platform: process.platform, arch: process.arch });
    expect(platformWords({ platform: 'win32', arch: 'x64' })).toBe('Windows (x64)');
    const row = (key: SettingKey) => {
      const s = about.settings.find((setting) => setting.key === key);
      return (
        s && {
          label: SETTING_LABELS[s.key],
          value: settingValueWords(s.key, about.values),
          origin: s.origin,
        }
      );
    };
    expect(row('connections')).toMatchObject({
      label: 'Connections',
      value: 'Production (https://login.hospital.example)',
      origin: 'config-file',
    });
    expect(row('logLevel')).toMatchObject({ value: 'warn', origin: 'windows-policy' });
    expect(row('updateUrl')).toMatchObject({
      value: 'https://updates.hospital.example/',
      origin: 'windows-policy',
    });
    expect(row('updateDeferDays')).toMatchObject({
      value: '7 days after a release',
      origin: 'config-file',
    });
    expect(row('idleLockMinutes')?.value).toBe('10 minutes, or the organization’s if shorter');
    expect(row('minimumVersion')).toMatchObject({ value: 'none', origin: 'default' });
    expect(row('proxy')).toMatchObject({ value: 'the system’s proxy settings', origin: 'default' });
    expect(about.sources).toEqual([
      {
        origin: 'windows-policy',
        location: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Latchkey\\Console',
        state: 'applied',
        problem: null,
      },
      {
        origin: 'config-file',
        location: 'C:\\ProgramData\\Latchkey\\config.json',
        state: 'applied',
        problem: null,
      },
      { origin: 'user-settings', location: 'your settings', state: 'absent', problem: null },
    ]);
    expect(about).toMatchObject({ problem: null, minimumVersion: null });
    // The Connections screen names every source that manages this machine.
    expect((await h.ok('getMachineSettings', {})).managedBy).toBe(
      'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Latchkey\\Console and C:\\ProgramData\\Latchkey\\config.json',
    );
  });

  it('a refused source: the problem shown, nothing of IT’s applies, every origin the default', async () => {
    const machine = configOf([
      {
        kind: 'windows-policy',
        location: 'HKLM\\…\\Console',
        problem: 'HKLM\\…\\Console: ProxyMode: Enter one of …',
      },
      jsonSource('{"idleLockMinutes": 5}', 'C:\\ProgramData\\Latchkey\\config.json'),
    ]);
    const about = await startConsoleMain({ machine }).ok('getInstallation', {});
    expect(about.problem).toBe('HKLM\\…\\Console: ProxyMode: Enter one of …');
    expect(about.sources.map((s) => s.state)).toEqual(['refused', 'refused']);
    expect(new Set(about.settings.map((s) => s.origin))).toEqual(new Set(['default']));
  });

  it('the user may choose the log level only when no machine source sets it; the log follows', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'latchkey-about-'));
    const log = openLogFile({ folder, level: 'info', version: '0.1.0' });
    const machine = configOf([
      jsonSource('{}', '/etc/latchkey/config.json'),
      { kind: 'user-settings', location: 'your settings' },
    ]);
    const store = new Map<string, unknown>();
    const installation = new InstallationState({
      version: '0.1.0',
      platform: 'linux',
      arch: 'x64',
      install: { scope: 'per-machine', kind: 'deb', location: '/opt/Latchkey' },
      machine,
      store: { get: (key) => store.get(key), set: (key, value) => void store.set(key, value) },
      log,
    });
    const after = installation.setLogLevel('debug');
    expect(after.logs).toEqual({ file: log.file, level: 'debug', levelOrigin: 'user-settings' });
    expect(store.get('settings')).toEqual({ logLevel: 'debug' });
    expect(log.level()).toBe('debug');

    const h = startConsoleMain({ machine: managed() });
    const refused = await h.call('setLogLevel', { level: 'debug' });
    expect(refused).toEqual({
      ok: false,
      code: 'forbidden',
      message: 'set_by_machine',
      field: 'level',
      reason: { problem: 'set_by_machine', setting: 'logLevel', origin: 'windows-policy' },
    });
    expect(await shownFailure(refused)).toBe('The log level is set by Windows policy.');
  });
});

describe('the minimum version', () => {
  it('an older build is refused in main: every operation but the About view says why', async () => {
    const machine = { ...managed(), minimumVersion: '9.0.0' };
    const h = startConsoleMain({ machine });
    const about = await h.ok('getInstallation', {});
    expect(about.minimumVersion).toEqual({ required: '9.0.0', blocked: true });
    for (const answer of [
      await h.call('listConnections', {}),
      await h.call('addConnection', { name: 'X', url: 'https://x.example.org', colour: '#000000' }),
    ]) {
      expect(answer).toEqual({
        ok: false,
        code: 'forbidden',
        message: 'build_too_old',
        reason: { problem: 'build_too_old', version: '0.0.0-development', required: '9.0.0' },
      });
      expect(await shownFailure(answer)).toBe(
        'This version of Latchkey (0.0.0-development) is older than your organization allows (9.0.0 or later). Install the current version.',
      );
    }
    expect(await h.call('getMachineSettings', {})).toMatchObject({ ok: true });
  });

  it('a build at or above the minimum works as before', async () => {
    const machine = { ...managed(), minimumVersion: '0.0.0-alpha' };
    const h = startConsoleMain({ machine });
    expect((await h.ok('getInstallation', {})).minimumVersion).toEqual({
      required: '0.0.0-alpha',
      blocked: false,
    });
    expect(await h.call('listConnections', {})).toMatchObject({ ok: true });
  });

  it('versions compare as releases: prereleases before the release, numbers by value', () => {
    expect(compareVersions('1.10.0', '1.9.9')).toBe(1);
    expect(compareVersions('1.4.0-beta.2', '1.4.0-beta.10')).toBe(-1);
    expect(compareVersions('1.4.0-beta.2', '1.4.0')).toBe(-1);
    expect(compareVersions('1.4.0', '1.4.0')).toBe(0);
    expect(isBelow('1.3.9', '1.4.0')).toBe(true);
    expect(isBelow('not a version', '1.0.0')).toBe(true);
    expect(withinPin('1.4.7', '1.4')).toBe(true);
    expect(withinPin('1.5.0', '1.4')).toBe(false);
    expect(withinPin('1.4.2-beta.1', '1.4.2')).toBe(true);
  });
});

describe('how this copy was installed', () => {
  const env = { ProgramFiles: 'C:\\Program Files', LOCALAPPDATA: 'C:\\Users\\ann\\AppData\\Local' };

  it('Windows: MSI (no NSIS uninstaller) in Program Files is per machine; NSIS in the profile per user', () => {
    expect(
      installFacts({
        platform: 'win32',
        packaged: true,
        env,
        execPath: 'C:\\Program Files\\Latchkey\\Latchkey.exe',
        exists: () => false,
      }),
    ).toEqual({ scope: 'per-machine', kind: 'MSI', location: 'C:\\Program Files\\Latchkey' });
    expect(
      installFacts({
        platform: 'win32',
        packaged: true,
        env,
        execPath: 'C:\\Users\\ann\\AppData\\Local\\Programs\\Latchkey\\Latchkey.exe',
        exists: (file) => file.endsWith('Uninstall Latchkey.exe'),
      }),
    ).toEqual({
      scope: 'per-user',
      kind: 'NSIS installer',
      location: 'C:\\Users\\ann\\AppData\\Local\\Programs\\Latchkey',
    });
  });

  it('macOS: a .pkg receipt and /Applications: per machine; a copy in ~/Applications: per user', () => {
    expect(
      installFacts({
        platform: 'darwin',
        packaged: true,
        env: {},
        execPath: '/Applications/Latchkey.app/Contents/MacOS/Latchkey',
        exists: (f) => f.endsWith('org.latchkey.console.plist'),
      }),
    ).toEqual({ scope: 'per-machine', kind: '.pkg', location: '/Applications/Latchkey.app' });
    expect(
      installFacts({
        platform: 'darwin',
        packaged: true,
        env: {},
        execPath: '/Users/ann/Applications/Latchkey.app/Contents/MacOS/Latchkey',
        exists: () => false,
      }),
    ).toMatchObject({ scope: 'per-user', kind: 'app bundle' });
  });
});
