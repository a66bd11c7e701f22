import type { Installation } from '../../../common/ipc/installation-contract.ts';

type Origin = Installation['settings'][number]['origin'];

/** Where a setting came from, as IT and the user read it. */
export const ORIGIN_WORDS: Record<Origin, string> = {
  'windows-policy': 'Windows policy',
  'macos-profile': 'Configuration profile',
  'config-file': 'Configuration file',
  'user-settings': 'Your settings',
  default: 'Default',
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
