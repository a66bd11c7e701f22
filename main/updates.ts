import { writeFileSync } from 'node:fs';
import path from 'node:path';
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

/** Why the console never looks for updates here, in words for the About view; or null. */
export function updatesRefusal(
  machine: MachineConfig,
  packaged: boolean,
  platform: NodeJS.Platform,
): string | null {
  if (machine.problem)
    return 'Updates are off: your organization’s settings were refused (see above).';
  if (!machine.updates)
    return 'Updates are off: no update address is set, so IT deploys new versions.';
  if (!packaged) return 'A development build never updates itself.';
  // electron-updater skips the signature check when it knows no publisher: refuse instead.
  if (platform === 'win32' && !machine.updates.publisherName)
    return 'Updates are off: on Windows, UpdatePublisherName (updates.publisherName) must name the publisher of the signed installer.';
  // electron-updater checks no signature on Linux (AppImage, deb): IT's package tools do.
  if (platform === 'linux')
    return 'On Linux, new versions come from your package tools (deb) or a new AppImage.';
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

/** One check's outcome for an offered release: what to do about it, in words. */
export function decide(
  release: ReleaseInfo,
  o: { policy: UpdatePolicy; version: string; minimum?: string; rights: UpdateRights; now: number },
): { state: UpdateView['state']; message: string; download: boolean } {
  const { version } = release;
  const pin = o.policy.pin;
  if (pin && !withinPin(version, pin))
    return {
      state: 'pinned',
      message: `Version ${version} is available, but your organization keeps this computer on ${pin}.x.`,
      download: false,
    };
  const released = Date.parse(release.releaseDate);
  const from = released + (o.policy.deferDays ?? 0) * DAY;
  // A build below the minimum version does not wait: deferring would only keep it blocked.
  const blocked = !!o.minimum && isBelow(o.version, o.minimum);
  if (!blocked && o.policy.deferDays && Number.isFinite(released) && o.now < from)
    return {
      state: 'deferred',
      message: `Version ${version} was released on ${day(released)}; your organization defers updates by ${o.policy.deferDays} days, so it installs from ${day(from)}.`,
      download: false,
    };
  if (!o.rights.ok)
    return {
      state: 'cannot-install',
      message: `Version ${version} is available, but ${o.rights.why}. IT should ${o.rights.itShould}.`,
      download: false,
    };
  return {
    state: 'downloading',
    message: `Downloading version ${version}; it installs when Latchkey closes.`,
    download: true,
  };
}

/**
 * Checks at start and then daily, from the policy's address only; does nothing (and never loads
 * electron-updater) when updates are off. Every state goes to `report` and the log. Answers a
 * function that stops it.
 */
export async function startUpdates(o: UpdateOptions): Promise<() => void> {
  const log = (o.log ?? silentLog).topic('updates');
  const now = o.now ?? Date.now;
  let status: UpdateView = { state: 'off', message: '', available: null, checkedAt: null };
  const set = (next: Partial<UpdateView>) => {
    status = { ...status, ...next };
    o.report?.(status);
    const line = `${status.state}: ${status.message}`;
    if (status.state === 'error' || status.state === 'cannot-install') log.warn(line);
    else log.info(line);
  };
  const refusal = updatesRefusal(o.machine, o.packaged, o.platform);
  const policy = o.machine.updates;
  if (refusal || !policy) {
    set({ state: 'off', message: refusal ?? '' });
    return () => undefined;
  }
  const rights = await o.rights();
  if (!rights.ok) log.warn(`this account cannot install updates here: ${rights.why}`);
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
  updater.on('update-downloaded', (info) =>
    set({
      state: 'ready',
      message: `Version ${info.version} is downloaded and installs when Latchkey closes.`,
    }),
  );
  const check = async () => {
    set({ state: 'checking', message: `Looking for a new version at ${policy.url}.` });
    const result = await updater.checkForUpdates();
    const release = result?.updateInfo;
    const newer =
      !!release && (result?.isUpdateAvailable ?? compareVersions(release.version, o.version) > 0);
    if (!release || !newer) {
      const later = rights.ok ? '' : ` When one comes, IT must install it: ${rights.why}.`;
      return set({
        state: 'up-to-date',
        message: `This is the newest version on the ${policy.channel ?? 'latest'} channel.${later}`,
        available: null,
        checkedAt: now(),
      });
    }
    const outcome = decide(release, {
      policy,
      version: o.version,
      minimum: o.machine.minimumVersion,
      rights,
      now: now(),
    });
    set({
      state: outcome.state,
      message: outcome.message,
      available: release.version,
      checkedAt: now(),
    });
    if (outcome.download) await updater.downloadUpdate();
  };
  const timers = o.timers ?? systemTimers;
  let handle: unknown;
  const run = () => {
    check().catch((error: unknown) =>
      set({
        state: 'error',
        message: `The update check failed (${error instanceof Error ? error.message : String(error)}). The next check is in a day.`,
        checkedAt: now(),
      }),
    );
    handle = timers.setTimeout(run, DAY);
  };
  run();
  return () => timers.clearTimeout(handle);
}
