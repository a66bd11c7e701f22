import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { InstallDenial, UpdateStatus } from '../common/ipc/update-status.ts';
import type { UpdateView } from './installation-view.ts';
import { silentLog, type Log } from './log.ts';
import type { MachineConfig, UpdatePolicy } from './machine-config.ts';
import { systemTimers, type Timers } from './timers.ts';
import type { UpdateRights } from './update-rights.ts';
import { compareVersions, isBelow, withinPin } from './versions.ts';

// Updates only from the address IT sets, off by default (SPEC §3 "IT", R125), and only when the
// person at the keyboard may install them (issue 17): a per-machine installation is IT's to
// replace, so the console then says what is available and what IT should do, and never
// downloads. IT may pin a version line, defer a release by days, and pick the channel.
// electron-builder.yml publishes no feed (`publish: null`): IT hosts it.

const DAY = 24 * 60 * 60 * 1000;

/** A release in the feed (electron-updater's UpdateInfo, the part used). */
export interface ReleaseInfo {
  version: string;
  /** ISO date the feed gives for the release. */
  releaseDate: string;
}

/** The slice of electron-updater's `autoUpdater` Latchkey uses. */
export interface UpdaterLike {
  updateConfigPath: string | null;
  autoDownload: boolean;
  autoInstallOnAppQuit: boolean;
  allowDowngrade: boolean;
  allowPrerelease: boolean;
  channel: string | null;
  checkForUpdates(): Promise<{ isUpdateAvailable?: boolean; updateInfo: ReleaseInfo } | null>;
  downloadUpdate(): Promise<unknown>;
  on(event: 'update-downloaded', listener: (info: ReleaseInfo) => void): unknown;
}

/** electron-updater's feed settings (its `app-update.yml`), from the machine's policy only. */
export function feedConfig(updates: UpdatePolicy) {
  return {
    provider: 'generic' as const,
    url: updates.url,
    updaterCacheDirName: 'latchkey-updater',
    // R125: the Windows installer must be signed by this publisher, or it is not installed.
    ...(updates.publisherName ? { publisherName: updates.publisherName } : {}),
  };
}

/** Why the console never looks for updates here (the About view words it); or null. */
export function updatesRefusal(
  machine: MachineConfig,
  packaged: boolean,
  platform: NodeJS.Platform,
): UpdateStatus['off'] {
  if (machine.problem) return 'settings_refused';
  if (!machine.updates) return 'no_address';
  if (!packaged) return 'development_build';
  // electron-updater skips the signature check when it knows no publisher: refuse instead.
  if (platform === 'win32' && !machine.updates.publisherName) return 'publisher_unnamed';
  // electron-updater checks no signature on Linux (AppImage, deb): IT's package tools do.
  if (platform === 'linux') return 'linux_packages';
  return null;
}

export interface UpdateOptions {
  machine: MachineConfig;
  packaged: boolean;
  platform: NodeJS.Platform;
  /** This build's version. */
  version: string;
  /** Where electron-updater's feed settings are written (the app's userData folder). */
  configDir: string;
  /** electron-updater's `autoUpdater`, loaded only when updates are on. */
  load: () => Promise<UpdaterLike>;
  /** Whether this user may install an update here (update-rights.ts). */
  rights: () => Promise<UpdateRights>;
  /** Every change of state, for the About view. */
  report?: (status: UpdateView) => void;
  log?: Log;
  write?: (file: string, text: string) => void;
  timers?: Timers;
  now?: () => number;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** What a check changes in the status: the state and the data its words need. */
export type Outcome = Pick<UpdateStatus, 'state'> & Partial<UpdateStatus>;

/** One check's outcome for an offered release: what to do about it. */
export function decide(
  release: ReleaseInfo,
  o: { policy: UpdatePolicy; version: string; minimum?: string; rights: UpdateRights; now: number },
): Outcome & { download: boolean } {
  const pin = o.policy.pin;
  if (pin && !withinPin(release.version, pin)) return { state: 'pinned', pin, download: false };
  const released = Date.parse(release.releaseDate);
  const days = o.policy.deferDays ?? 0;
  const from = released + days * DAY;
  // A build below the minimum version does not wait: deferring would only keep it blocked.
  const blocked = !!o.minimum && isBelow(o.version, o.minimum);
  if (!blocked && days && Number.isFinite(released) && o.now < from)
    return {
      state: 'deferred',
      deferral: { releasedOn: day(released), days, installsFrom: day(from) },
      download: false,
    };
  if (!o.rights.ok) return { state: 'cannot-install', download: false };
  return { state: 'downloading', download: true };
}

/** The log's line for a status: its state and the data that differ from nothing. */
function logLine(status: UpdateStatus): string {
  const facts = Object.entries(status)
    .filter(([key, value]) => key !== 'state' && value !== null)
    .map(([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : value}`);
  return [status.state, ...facts].join(' ');
}

const denialOf = (rights: UpdateRights): InstallDenial | null =>
  rights.ok ? null : { reason: rights.reason, location: rights.location };

/** The status before anything is known: off, nothing checked. */
export const updatesOff = (off: UpdateStatus['off']): UpdateStatus => ({
  state: 'off',
  off,
  available: null,
  checkedAt: null,
  url: null,
  channel: null,
  pin: null,
  deferral: null,
  denied: null,
  failure: null,
});

/**
 * Checks at start and then daily, from the policy's address only; does nothing (and never loads
 * electron-updater) when updates are off. Every state goes to `report` and the log. Answers a
 * function that stops it.
 */
export async function startUpdates(o: UpdateOptions): Promise<() => void> {
  const log = (o.log ?? silentLog).topic('updates');
  const now = o.now ?? Date.now;
  let status = updatesOff(null);
  const refusal = updatesRefusal(o.machine, o.packaged, o.platform);
  const policy = o.machine.updates;
  const set = (next: Outcome) => {
    // What the last check found stays until the next one says otherwise.
    const { available, checkedAt, url, channel, denied } = status;
    status = { ...updatesOff(null), available, checkedAt, url, channel, denied, ...next };
    o.report?.(status);
    if (status.state === 'error' || status.state === 'cannot-install') log.warn(logLine(status));
    else log.info(logLine(status));
  };
  if (refusal || !policy) {
    set({ state: 'off', off: refusal ?? 'no_address' });
    return () => undefined;
  }
  const rights = await o.rights();
  if (!rights.ok) log.warn(`this account cannot install updates here (${rights.reason})`);
  status = {
    ...status,
    url: policy.url,
    channel: policy.channel ?? 'latest',
    denied: denialOf(rights),
  };
  const feed = path.join(o.configDir, 'machine-update.yml');
  // JSON is YAML: electron-updater reads this file in place of the app's own app-update.yml.
  (o.write ?? writeFileSync)(feed, `${JSON.stringify(feedConfig(policy), null, 2)}\n`);
  const updater = await o.load();
  updater.updateConfigPath = feed;
  // Setting the channel lets electron-updater downgrade: set first, then forbid it again.
  if (policy.channel) updater.channel = policy.channel;
  updater.autoDownload = false;
  updater.autoInstallOnAppQuit = rights.ok;
  updater.allowDowngrade = false;
  updater.allowPrerelease = policy.channel === 'beta';
  updater.on('update-downloaded', (info) => set({ state: 'ready', available: info.version }));
  const check = async () => {
    set({ state: 'checking' });
    const result = await updater.checkForUpdates();
    const release = result?.updateInfo;
    const newer =
      !!release && (result?.isUpdateAvailable ?? compareVersions(release.version, o.version) > 0);
    if (!release || !newer) return set({ state: 'up-to-date', available: null, checkedAt: now() });
    const { download, ...outcome } = decide(release, {
      policy,
      version: o.version,
      minimum: o.machine.minimumVersion,
      rights,
      now: now(),
    });
    set({ ...outcome, available: release.version, checkedAt: now() });
    if (download) await updater.downloadUpdate();
  };
  const timers = o.timers ?? systemTimers;
  let handle: unknown;
  const run = () => {
    check().catch((error: unknown) =>
      set({
        state: 'error',
        failure: error instanceof Error ? error.message : String(error),
        checkedAt: now(),
      }),
    );
    handle = timers.setTimeout(run, DAY);
  };
  run();
  return () => timers.clearTimeout(handle);
}
