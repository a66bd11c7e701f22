import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { MachineConfig } from './machine-config.ts';
import { systemTimers, type Timers } from './timers.ts';

// Updates only from the address IT sets in the machine-wide file, off by default (SPEC §3 "IT",
// R125). electron-builder.yml publishes no feed (`publish: null`): IT hosts it.

const DAY = 24 * 60 * 60 * 1000;

/** The slice of electron-updater's `autoUpdater` Latchkey uses. */
export interface UpdaterLike {
  updateConfigPath: string | null;
  autoDownload: boolean;
  autoInstallOnAppQuit: boolean;
  allowDowngrade: boolean;
  allowPrerelease: boolean;
  checkForUpdates(): Promise<unknown>;
}

/** electron-updater's feed settings (its `app-update.yml`), from the machine-wide file only. */
export function feedConfig(updates: NonNullable<MachineConfig['updates']>) {
  return {
    provider: 'generic' as const,
    url: updates.url,
    updaterCacheDirName: 'latchkey-updater',
    // R125: the Windows installer must be signed by this publisher, or it is not installed.
    ...(updates.publisherName ? { publisherName: updates.publisherName } : {}),
  };
}

/** Why the console does not update itself here, or null when it may. */
export function updatesRefusal(
  machine: MachineConfig,
  packaged: boolean,
  platform: NodeJS.Platform,
): string | null {
  if (machine.problem || !machine.updates) return 'the machine-wide file sets no update address';
  if (!packaged) return 'a development build never updates';
  // electron-updater skips the signature check when it knows no publisher: refuse instead.
  if (platform === 'win32' && !machine.updates.publisherName)
    return 'on Windows, updates.publisherName must name the publisher of the signed installer';
  // electron-updater checks no signature on Linux (AppImage, deb): IT's package tools do.
  if (platform === 'linux') return 'on Linux, deploy new versions with your package tools';
  return null;
}

export interface UpdateOptions {
  machine: MachineConfig;
  packaged: boolean;
  platform: NodeJS.Platform;
  /** Where electron-updater's feed settings are written (the app's userData folder). */
  configDir: string;
  /** electron-updater's `autoUpdater`, loaded only when updates are on. */
  load: () => Promise<UpdaterLike>;
  write?: (file: string, text: string) => void;
  timers?: Timers;
  log?: (message: string) => void;
}

/**
 * Checks for updates at start and then daily, from the machine-wide file's address only; does
 * nothing (and never loads electron-updater) otherwise. Answers a function that stops it.
 */
export async function startUpdates(o: UpdateOptions): Promise<() => void> {
  const log = o.log ?? ((message: string) => console.warn(message));
  const refusal = updatesRefusal(o.machine, o.packaged, o.platform);
  const { updates } = o.machine;
  if (refusal || !updates) {
    if (updates && !o.machine.problem) log(`latchkey: updates off: ${refusal}`);
    return () => undefined;
  }
  const write = o.write ?? ((file: string, text: string) => writeFileSync(file, text));
  const timers = o.timers ?? systemTimers;
  const feed = path.join(o.configDir, 'machine-update.yml');
  // JSON is YAML: electron-updater reads this file in place of the app's own app-update.yml.
  write(feed, `${JSON.stringify(feedConfig(updates), null, 2)}\n`);
  const updater = await o.load();
  updater.updateConfigPath = feed;
  updater.autoDownload = true;
  updater.autoInstallOnAppQuit = true;
  updater.allowDowngrade = false;
  updater.allowPrerelease = false;
  let handle: unknown;
  const check = () => {
    updater.checkForUpdates().catch((error: unknown) => {
      log(`latchkey: update check failed: ${error instanceof Error ? error.message : error}`);
    });
    handle = timers.setTimeout(check, DAY);
  };
  check();
  return () => timers.clearTimeout(handle);
}
