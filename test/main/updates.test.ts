import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { UpdateView } from '../../main/installation-view.ts';
import {
  noMachineConfig,
  type MachineConfig,
  type UpdatePolicy,
} from '../../main/machine-config.ts';
import type { Log } from '../../main/log.ts';
import { isAdministratorIn, updateRights, type UpdateRights } from '../../main/update-rights.ts';
import { startUpdates, type ReleaseInfo, type UpdaterLike } from '../../main/updates.ts';
import { updateWords } from '../../renderer/features/about/update-words.ts';
import { ManualTimers } from '../support/main-process.ts';

// Updates (R125, issue 17): only from IT's https address, never downloaded by someone who
// cannot install them (a per-machine installation is IT's), pinned, deferred, on a channel;
// every state told to the About view and the log.

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.parse('2027-03-10T09:00:00Z');
const MAY: UpdateRights = { ok: true };
const MAY_NOT: UpdateRights = { ok: false, reason: 'msi', location: null };

/** A stand-in for electron-updater's autoUpdater: a feed offering `offered` (or nothing new). */
function fakeUpdater(offered: ReleaseInfo | null = null) {
  const downloaded: Array<(info: ReleaseInfo) => void> = [];
  const updater: UpdaterLike & { checks: number; downloads: number; finish(): void } = {
    updateConfigPath: null,
    autoDownload: true,
    autoInstallOnAppQuit: false,
    allowDowngrade: true,
    allowPrerelease: true,
    channel: null,
    checks: 0,
    downloads: 0,
    checkForUpdates: async () => {
      updater.checks += 1;
      return offered
        ? { isUpdateAvailable: true, updateInfo: offered }
        : { isUpdateAvailable: false, updateInfo: { version: '0.1.0', releaseDate: '2027-01-01' } };
    },
    downloadUpdate: async () => {
      updater.downloads += 1;
      return [];
    },
    on: (_event, listener) => downloaded.push(listener),
    finish: () => downloaded.forEach((listener) => offered && listener(offered)),
  };
  return updater;
}

/** Log lines kept as `level message`. */
function recordingLog(lines: string[]): Log {
  const log: Log = {
    error: (m) => lines.push(`error ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    info: (m) => lines.push(`info ${m}`),
    debug: (m) => lines.push(`debug ${m}`),
    topic: (name) => {
      const inner = recordingLog(lines);
      return {
        ...inner,
        warn: (m) => inner.warn(`${name}: ${m}`),
        info: (m) => inner.info(`${name}: ${m}`),
      };
    },
  };
  return log;
}

interface Start {
  updates?: UpdatePolicy;
  machine?: Partial<MachineConfig>;
  platform?: NodeJS.Platform;
  packaged?: boolean;
  offered?: ReleaseInfo | null;
  rights?: UpdateRights;
  version?: string;
}

function start(s: Start = {}) {
  const updater = fakeUpdater(s.offered);
  const load = vi.fn(async () => updater);
  const timers = new ManualTimers();
  const log: string[] = [];
  const statuses: UpdateView[] = [];
  const configDir = mkdtempSync(path.join(tmpdir(), 'latchkey-updates-'));
  const machine: MachineConfig = {
    ...noMachineConfig(),
    ...(s.updates ? { updates: s.updates } : {}),
    ...s.machine,
  };
  const started = startUpdates({
    machine,
    packaged: s.packaged ?? true,
    platform: s.platform ?? 'darwin',
    version: s.version ?? '0.1.0',
    configDir,
    load,
    rights: async () => s.rights ?? MAY,
    report: (status) => statuses.push(status),
    log: recordingLog(log),
    timers,
    now: () => NOW,
  });
  const last = () => statuses.at(-1);
  /** The last status as the About view words it (main sends codes and data, issue 19). */
  const words = () => {
    const status = last();
    return status ? updateWords(status) : undefined;
  };
  return { updater, load, timers, log, statuses, last, words, configDir, started };
}

const FEED = { url: 'https://updates.hospital.example/latchkey' };
const release = (version: string, daysAgo = 30): ReleaseInfo => ({
  version,
  releaseDate: new Date(NOW - daysAgo * DAY).toISOString(),
});

describe('updates', () => {
  it('R125: off by default: without an address electron-updater is never even loaded, and the About view says so', async () => {
    for (const platform of ['darwin', 'win32', 'linux'] as const) {
      const s = start({ platform });
      await s.started;
      s.timers.advance(2 * DAY);
      expect(s.load).not.toHaveBeenCalled();
      expect(s.last()).toMatchObject({ state: 'off', off: 'no_address' });
      expect(s.words()).toBe(
        'Updates are off: no update address is set, so IT deploys new versions.',
      );
    }
  });

  it('R125: from the policy’s https address only, at start and then daily; no downgrade, no automatic download', async () => {
    const s = start({ updates: FEED });
    const stop = await s.started;
    await vi.waitFor(() => expect(s.last()?.state).toBe('up-to-date'));
    expect(s.updater.checks).toBe(1);
    const feed = path.join(s.configDir, 'machine-update.yml');
    expect(s.updater.updateConfigPath).toBe(feed);
    expect(JSON.parse(readFileSync(feed, 'utf8'))).toEqual({
      provider: 'generic',
      url: 'https://updates.hospital.example/latchkey',
      updaterCacheDirName: 'latchkey-updater',
    });
    expect(s.updater).toMatchObject({
      allowDowngrade: false,
      allowPrerelease: false,
      autoDownload: false,
    });
    expect(s.words()).toBe('This is the newest version on the latest channel.');
    s.timers.advance(DAY - 1);
    expect(s.updater.checks).toBe(1);
    s.timers.advance(1);
    expect(s.updater.checks).toBe(2);
    stop();
    s.timers.advance(3 * DAY);
    expect(s.updater.checks).toBe(2);
  });

  it('R125: Windows updates only with the publisher pinned, so an unsigned installer is refused', async () => {
    const unpinned = start({ updates: FEED, platform: 'win32' });
    await unpinned.started;
    expect(unpinned.load).not.toHaveBeenCalled();
    expect(unpinned.last()?.off).toBe('publisher_unnamed');
    expect(unpinned.words()).toContain('UpdatePublisherName (updates.publisherName)');
    const pinned = start({
      updates: { ...FEED, publisherName: ['CN=Latchkey Ltd'] },
      platform: 'win32',
    });
    await pinned.started;
    expect(pinned.updater.checks).toBe(1);
    const feed = readFileSync(pinned.updater.updateConfigPath ?? '', 'utf8');
    expect(JSON.parse(feed)).toMatchObject({ publisherName: ['CN=Latchkey Ltd'] });
  });

  it('never in a development build, nor on Linux (no signature check there)', async () => {
    const dev = start({ updates: FEED, packaged: false });
    const linux = start({ updates: FEED, platform: 'linux' });
    await Promise.all([dev.started, linux.started]);
    expect(dev.load).not.toHaveBeenCalled();
    expect(linux.load).not.toHaveBeenCalled();
    expect(dev.last()?.off).toBe('development_build');
    expect(linux.last()?.off).toBe('linux_packages');
    expect(linux.words()).toContain('package tools');
  });

  it('a newer release is downloaded and installs when Latchkey closes; the About view follows each step', async () => {
    const s = start({ updates: FEED, offered: release('0.2.0') });
    await s.started;
    await vi.waitFor(() => expect(s.updater.downloads).toBe(1));
    expect(s.last()).toMatchObject({ state: 'downloading', available: '0.2.0', checkedAt: NOW });
    expect(s.updater.autoInstallOnAppQuit).toBe(true);
    s.updater.finish();
    expect(s.last()).toMatchObject({ state: 'ready', available: '0.2.0' });
    expect(s.words()).toBe('Version 0.2.0 is downloaded and installs when Latchkey closes.');
    expect(s.statuses.map((x) => x.state)).toEqual(['checking', 'downloading', 'ready']);
    expect(s.log.some((line) => line.startsWith('info updates: ready available=0.2.0'))).toBe(true);
  });

  it('issue 17: a per-machine copy the user cannot replace: nothing downloaded, and the words say what IT should do', async () => {
    const s = start({ updates: FEED, offered: release('0.2.0'), rights: MAY_NOT });
    await s.started;
    await vi.waitFor(() => expect(s.last()?.state).toBe('cannot-install'));
    expect(s.updater.downloads).toBe(0);
    expect(s.updater.autoInstallOnAppQuit).toBe(false);
    expect(s.last()?.denied).toEqual({ reason: 'msi', location: null });
    expect(s.words()).toBe(
      'Version 0.2.0 is available, but this copy was installed from the MSI, which only a new MSI can replace. IT should deploy the new MSI with Intune or Configuration Manager (its UpgradeCode replaces this version), or remove UpdateUrl so the console stops looking.',
    );
    expect(s.log).toContain('warn updates: this account cannot install updates here (msi)');
    expect(
      s.log.some((line) => line.startsWith('warn updates: cannot-install available=0.2.0')),
    ).toBe(true);
  });

  it('issue 17: pinned to a version line: a newer line is not installed', async () => {
    const s = start({ updates: { ...FEED, pin: '0.1' }, offered: release('0.2.0') });
    await s.started;
    await vi.waitFor(() => expect(s.last()?.state).toBe('pinned'));
    expect(s.last()).toMatchObject({ state: 'pinned', available: '0.2.0', pin: '0.1' });
    expect(s.words()).toBe(
      'Version 0.2.0 is available, but your organization keeps this computer on 0.1.x.',
    );
    expect(s.updater.downloads).toBe(0);
    const within = start({ updates: { ...FEED, pin: '0.1' }, offered: release('0.1.5') });
    await within.started;
    await vi.waitFor(() => expect(within.updater.downloads).toBe(1));
  });

  it('issue 17: deferred by days after the release, then installed on the first check after', async () => {
    const s = start({ updates: { ...FEED, deferDays: 7 }, offered: release('0.2.0', 2) });
    await s.started;
    await vi.waitFor(() => expect(s.last()?.state).toBe('deferred'));
    expect(s.last()?.deferral).toEqual({
      releasedOn: '2027-03-08',
      days: 7,
      installsFrom: '2027-03-15',
    });
    expect(s.words()).toBe(
      'Version 0.2.0 was released on 2027-03-08; your organization defers updates by 7 days, so it installs from 2027-03-15.',
    );
    expect(s.updater.downloads).toBe(0);
    const later = start({ updates: { ...FEED, deferDays: 7 }, offered: release('0.2.0', 8) });
    await later.started;
    await vi.waitFor(() => expect(later.updater.downloads).toBe(1));
  });

  it('a build below the minimum version does not wait out a deferral', async () => {
    const s = start({
      updates: { ...FEED, deferDays: 30 },
      machine: { minimumVersion: '0.2.0' },
      offered: release('0.2.0', 1),
    });
    await s.started;
    await vi.waitFor(() => expect(s.updater.downloads).toBe(1));
  });

  it('the beta channel: electron-updater follows beta.yml, prereleases allowed, still no downgrade', async () => {
    const s = start({ updates: { ...FEED, channel: 'beta' } });
    await s.started;
    expect(s.updater).toMatchObject({
      channel: 'beta',
      allowPrerelease: true,
      allowDowngrade: false,
    });
  });

  it('a failed check is logged and told, and the next day’s check still comes', async () => {
    const s = start({ updates: FEED });
    s.updater.checkForUpdates = async () => {
      s.updater.checks += 1;
      throw new Error('net::ERR_NAME_NOT_RESOLVED');
    };
    await s.started;
    await vi.waitFor(() => expect(s.last()?.state).toBe('error'));
    expect(s.last()?.failure).toBe('net::ERR_NAME_NOT_RESOLVED');
    expect(s.words()).toBe(
      'The update check failed (net::ERR_NAME_NOT_RESOLVED). The next check is in a day.',
    );
    expect(s.log.some((line) => line.startsWith('warn updates: error '))).toBe(true);
    s.timers.advance(DAY);
    expect(s.updater.checks).toBe(2);
  });
});

describe('who may install an update', () => {
  const msi = {
    scope: 'per-machine' as const,
    kind: 'MSI',
    location: 'C:\\Program Files\\Latchkey',
  };
  const nsisAllUsers = { ...msi, kind: 'NSIS installer' };

  it('Windows: never over an MSI; an all-users install only for an administrator; a per-user one always', async () => {
    expect(
      await updateRights({ platform: 'win32', install: msi, isAdministrator: async () => true }),
    ).toMatchObject({ ok: false });
    expect(
      await updateRights({
        platform: 'win32',
        install: nsisAllUsers,
        isAdministrator: async () => false,
      }),
    ).toEqual({ ok: false, reason: 'all_users', location: null });
    expect(
      await updateRights({
        platform: 'win32',
        install: nsisAllUsers,
        isAdministrator: async () => true,
      }),
    ).toEqual({ ok: true });
    expect(
      await updateRights({
        platform: 'win32',
        install: { ...nsisAllUsers, scope: 'per-user' },
        isAdministrator: async () => false,
      }),
    ).toEqual({ ok: true });
  });

  it('Windows: Administrators membership read from whoami’s CSV, also when UAC holds it back', () => {
    const admin =
      '"Everyone","Well-known group","S-1-1-0","Mandatory group, Enabled by default, Enabled group"\r\n' +
      '"BUILTIN\\Administrators","Alias","S-1-5-32-544","Group used for deny only"\r\n' +
      '"BUILTIN\\Users","Alias","S-1-5-32-545","Mandatory group, Enabled by default, Enabled group"\r\n';
    expect(isAdministratorIn(admin)).toBe(true);
    // A localized name does not matter: the SID decides.
    expect(
      isAdministratorIn(admin.replace('BUILTIN\\Administrators', 'VORDEFINIERT\\Administratoren')),
    ).toBe(true);
    expect(isAdministratorIn(admin.replace(/.*S-1-5-32-544.*\r\n/, ''))).toBe(false);
  });

  it('macOS: only when the account can replace the .app and its folder', async () => {
    const install = {
      scope: 'per-machine' as const,
      kind: '.pkg',
      location: '/Applications/Latchkey.app',
    };
    expect(await updateRights({ platform: 'darwin', install, canWrite: () => true })).toEqual({
      ok: true,
    });
    expect(
      await updateRights({ platform: 'darwin', install, canWrite: (f) => f !== '/Applications' }),
    ).toEqual({ ok: false, reason: 'app_not_writable', location: '/Applications/Latchkey.app' });
  });
});
