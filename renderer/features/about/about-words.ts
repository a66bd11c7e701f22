import {
  proxyWords,
  type Installation,
  type SettingKey,
  type SettingValues,
} from '../../../common/ipc/installation-contract.ts';

type Origin = Installation['settings'][number]['origin'];

/** Where a setting came from, as IT and the user read it. */
export const ORIGIN_WORDS: Record<Origin, string> = {
  'windows-policy': 'Windows policy',
  'macos-profile': 'Configuration profile',
  'config-file': 'Configuration file',
  'user-settings': 'Your settings',
  default: 'Default',
};

/** Where a setting came from, as the end of a sentence ("set by …"). */
export const ORIGIN_CLAUSE: Record<Origin, string> = {
  'windows-policy': 'Windows policy',
  'macos-profile': 'the configuration profile',
  'config-file': 'the machine-wide configuration file',
  'user-settings': 'your settings',
  default: 'the default',
};

/** Origins only IT can change: the About view shows them, nothing more. */
export const MACHINE_ORIGINS: ReadonlySet<Origin> = new Set([
  'windows-policy',
  'macos-profile',
  'config-file',
]);

export const SCOPE_WORDS: Record<Installation['install']['scope'], string> = {
  'per-machine': 'For all users of this computer (installed by an administrator)',
  'per-user': 'For you only',
  development: 'A development run',
};

export const SOURCE_STATE_WORDS: Record<Installation['sources'][number]['state'], string> = {
  applied: 'Applied',
  absent: 'Not present',
  refused: 'Refused',
};

export const UPDATE_STATE_WORDS: Record<Installation['updates']['state'], string> = {
  off: 'Off',
  checking: 'Checking',
  'up-to-date': 'Up to date',
  available: 'Available',
  deferred: 'Deferred',
  pinned: 'Held by the pin',
  downloading: 'Downloading',
  ready: 'Ready: installs when Latchkey closes',
  'cannot-install': 'Cannot install here',
  error: 'Failed',
};

const PLATFORM_NAMES: Record<string, string> = {
  win32: 'Windows',
  darwin: 'macOS',
  linux: 'Linux',
};

/** `Windows (x64)`, `macOS (arm64)`, … */
export const platformWords = (about: Pick<Installation, 'platform' | 'arch'>): string =>
  `${PLATFORM_NAMES[about.platform] ?? about.platform} (${about.arch})`;

/** Each managed setting's name in the About view. */
export const SETTING_LABELS: Record<SettingKey, string> = {
  connections: 'Connections',
  allowUserConnections: 'Users may add connections',
  idleLockMinutes: 'Idle lock',
  logLevel: 'Log level',
  minimumVersion: 'Minimum version',
  updateUrl: 'Update address',
  updatePublisherName: 'Update publisher (Windows)',
  updateChannel: 'Update channel',
  updatePin: 'Pinned to version',
  updateDeferDays: 'Update deferral',
  caBundleFile: 'Extra certificate authorities',
  proxy: 'Proxy',
};

/** A setting's value in effect, in words. */
export function settingValueWords(key: SettingKey, v: SettingValues): string {
  switch (key) {
    case 'connections':
      return v.connections.map((c) => `${c.name} (${c.url})`).join(', ') || 'none';
    case 'allowUserConnections':
      return v.allowUserConnections ? 'yes' : 'no';
    case 'idleLockMinutes':
      return v.idleLockMinutes === null
        ? 'the organization’s own (15 minutes unless it says otherwise)'
        : `${v.idleLockMinutes} minutes, or the organization’s if shorter`;
    case 'logLevel':
      return v.logLevel ?? 'info';
    case 'minimumVersion':
      return v.minimumVersion ?? 'none';
    case 'updateUrl':
      return v.updateUrl ?? 'none: the console never looks for updates';
    case 'updatePublisherName':
      return v.updatePublisherName?.join('; ') ?? 'none';
    case 'updateChannel':
      return v.updateChannel ?? 'latest';
    case 'updatePin':
      return v.updatePin ? `${v.updatePin}.x` : 'none';
    case 'updateDeferDays':
      return v.updateDeferDays ? `${v.updateDeferDays} days after a release` : 'none';
    case 'caBundleFile':
      return v.caBundleFile
        ? `${v.caBundleFile.file} (${v.caBundleFile.authorities.join(', ')})`
        : 'none: the operating system’s store only';
    case 'proxy':
      return proxyWords(v.proxy);
  }
}
