import type { Installation } from '../common/ipc/installation-contract.ts';
import type { InstallFacts } from './install-facts.ts';
import { installationView, type UpdateView } from './installation-view.ts';
import type { LogLevel } from './log.ts';
import type { MachineConfig, Origin } from './machine-config.ts';
import { isBelow } from './versions.ts';
import { failureFor } from './failure-reasons.ts';
import { updatesOff } from './updates.ts';

// What the About view and the minimum-version screen read, kept current: the machine's settings,
// the log's level (the user may choose it when no machine source does), the updates' state.

/** electron-store's slice for the user's own settings (below every machine source). */
export interface SettingsStore {
  get(key: 'settings'): unknown;
  set(key: 'settings', value: Record<string, unknown>): void;
}

/** The log file's slice: where it is, and its level. */
export interface LevelledLog {
  readonly file: string;
  level(): LogLevel;
  setLevel(level: LogLevel): void;
}

export interface InstallationOptions {
  version: string;
  platform: NodeJS.Platform;
  arch: string;
  install: InstallFacts;
  machine: MachineConfig;
  store: SettingsStore;
  log?: LevelledLog;
}

const MACHINE_ORIGINS: ReadonlySet<Origin> = new Set([
  'windows-policy',
  'macos-profile',
  'config-file',
]);

export class InstallationState {
  private updates: UpdateView;
  private level: LogLevel;

  constructor(private readonly o: InstallationOptions) {
    this.level = o.machine.logLevel ?? 'info';
    // Until the updater reports (main/updates.ts).
    this.updates = updatesOff(o.machine.updates ? 'not_checked' : 'no_address');
  }

  get machine(): MachineConfig {
    return this.o.machine;
  }

  /** Why this build may not be used (older than the policy's minimum), or null. */
  blockedBy(): { version: string; required: string } | null {
    const minimum = this.o.machine.minimumVersion;
    if (!minimum || !isBelow(this.o.version, minimum)) return null;
    return { version: this.o.version, required: minimum };
  }

  view(): Installation {
    return installationView({
      version: this.o.version,
      platform: this.o.platform,
      arch: this.o.arch,
      install: this.o.install,
      machine: this.o.machine,
      logFile: this.o.log?.file ?? 'not written (development)',
      logLevel: this.o.log?.level() ?? this.level,
      updates: this.updates,
    });
  }

  /** The user's own log level; refused when a machine source sets one. */
  setLogLevel(level: LogLevel): Installation {
    const origin = this.o.machine.policy?.origins.logLevel ?? 'default';
    if (MACHINE_ORIGINS.has(origin))
      throw failureFor(
        'forbidden',
        { problem: 'set_by_machine', setting: 'logLevel', origin },
        'level',
      );
    const settings = this.o.store.get('settings');
    const current = settings && typeof settings === 'object' ? settings : {};
    this.o.store.set('settings', { ...current, logLevel: level });
    this.level = level;
    this.o.log?.setLevel(level);
    this.o.machine.logLevel = level;
    if (this.o.machine.policy) this.o.machine.policy.origins.logLevel = 'user-settings';
    return this.view();
  }

  /** The updates' state, as the updater reports it. */
  setUpdates(updates: UpdateView): void {
    this.updates = updates;
  }
}
