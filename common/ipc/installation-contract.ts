import { z } from 'zod';

// The "About this installation" view and the minimum-version screen (issue 17): what IT manages
// on this computer, from where, and how updates stand. Display text only, never a secret.

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;

/** Where a setting came from, most binding first. */
export const ORIGINS = [
  'windows-policy',
  'macos-profile',
  'config-file',
  'user-settings',
  'default',
] as const;

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

export const InstallationSchema = z.object({
  version: z.string(),
  /** `Windows (x64)`, `macOS (arm64)`, … */
  platform: z.string(),
  install: z.object({
    /** Per machine (all users, an administrator installed it), per user, or a development run. */
    scope: z.enum(['per-machine', 'per-user', 'development']),
    /** MSI, NSIS installer, .pkg, app bundle, AppImage, … */
    kind: z.string(),
    location: z.string(),
  }),
  /** Set by policy: older builds refuse to work. */
  minimumVersion: z.object({ required: z.string(), blocked: z.boolean() }).nullable(),
  /** Why a machine source was refused (nothing of IT's then applies); null when all is well. */
  problem: z.string().nullable(),
  sources: z.array(
    z.object({
      origin: z.enum(ORIGINS),
      location: z.string(),
      state: z.enum(['applied', 'absent', 'refused']),
      problem: z.string().nullable(),
    }),
  ),
  settings: z.array(
    z.object({
      key: z.string(),
      label: z.string(),
      /** The value in words (`15 minutes`, `Production (https://…)`, `not set`). */
      value: z.string(),
      origin: z.enum(ORIGINS),
    }),
  ),
  logs: z.object({
    file: z.string(),
    level: z.enum(LOG_LEVELS),
    /** The user may choose the level only when no machine source sets it. */
    levelOrigin: z.enum(ORIGINS),
  }),
  updates: z.object({
    state: z.enum(UPDATE_STATES),
    /** What it means and, when something is needed, who should do what. */
    message: z.string(),
    /** The version offered by the feed, when one is. */
    available: z.string().nullable(),
    /** Ms since 1970 of the last check. */
    checkedAt: z.number().nullable(),
  }),
});
export type Installation = z.infer<typeof InstallationSchema>;

/** IPC operations of the About view. Spread into `IPC` (contract.ts). */
export const INSTALLATION_IPC = {
  getInstallation: { input: z.object({}), output: InstallationSchema },
  /** The user's own log level; refused when a machine source sets it. */
  setLogLevel: {
    input: z.object({ level: z.enum(LOG_LEVELS, { error: 'Choose a log level.' }) }),
    output: InstallationSchema,
  },
} as const;
