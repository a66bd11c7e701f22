import { z } from 'zod';

// How updates stand on this computer (issue 17), as a state and the data its words need: main
// reports it (main/updates.ts), the About view words it (renderer/features/about/update-words.ts).

/** The states updates can be in, as the About view and the log tell them. */
export const UPDATE_STATES = [
  'off',
  'checking',
  'up-to-date',
  'available',
  'deferred',
  'pinned',
  'downloading',
  'ready',
  'cannot-install',
  'error',
] as const;

/** Why updates are off (state `off`). */
export const UPDATES_OFF = [
  /** The machine's settings were refused, so none apply. */
  'settings_refused',
  /** No update address: IT deploys new versions. */
  'no_address',
  'development_build',
  /** R125: on Windows the installer's publisher must be named, or its signature is not checked. */
  'publisher_unnamed',
  /** electron-updater checks no signature on Linux: the package tools update. */
  'linux_packages',
  /** Updates are on; the first check has not reported yet. */
  'not_checked',
] as const;

/** Why the person at the keyboard cannot install an update of this copy (issue 17). */
export const INSTALL_DENIALS = [
  /** Installed from the MSI, which only a new MSI can replace. */
  'msi',
  /** An all-users installation, and the account is not an administrator. */
  'all_users',
  /** macOS: the account cannot replace the .app (`location`) or its folder. */
  'app_not_writable',
  'linux',
] as const;

export const InstallDenialSchema = z.object({
  reason: z.enum(INSTALL_DENIALS),
  /** The installed copy, when the reason is about its folder. */
  location: z.string().nullable(),
});
export type InstallDenial = z.infer<typeof InstallDenialSchema>;

export const UpdateStatusSchema = z.object({
  state: z.enum(UPDATE_STATES),
  /** Why updates are off; null in any other state. */
  off: z.enum(UPDATES_OFF).nullable(),
  /** The version offered by the feed, when one is. */
  available: z.string().nullable(),
  /** Ms since 1970 of the last check. */
  checkedAt: z.number().nullable(),
  /** The feed's address and channel, when updates are on. */
  url: z.string().nullable(),
  channel: z.string().nullable(),
  /** The version line IT keeps this computer on (state `pinned`). */
  pin: z.string().nullable(),
  /** A release deferred by IT (state `deferred`): ISO dates and the days of delay. */
  deferral: z
    .object({ releasedOn: z.string(), days: z.number(), installsFrom: z.string() })
    .nullable(),
  /** Why this account cannot install updates here, or null when it can. */
  denied: InstallDenialSchema.nullable(),
  /** What the failed check said (state `error`): electron-updater's own text. */
  failure: z.string().nullable(),
});
export type UpdateStatus = z.infer<typeof UpdateStatusSchema>;
